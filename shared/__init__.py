"""Code every nianbao service may import: the event contract, settings, bus helpers, errors."""
