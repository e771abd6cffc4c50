"""What every service's commands share: turning expected failures into a clear message."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click
from pydantic import ValidationError

from shared.errors import ConfigurationError, NianbaoError

F = TypeVar("F", bound=Callable[..., Any])


def friendly_errors(fn: F) -> F:
    """Turn configuration and dependency errors into a clear message and exit status 2."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except (ConfigurationError, NianbaoError) as exc:
            click.echo(f"nianbao: {exc}", err=True)
            sys.exit(2)
        except ValidationError as exc:
            click.echo(
                f"nianbao: invalid setting: {exc.errors()[0]['loc']}: {exc.errors()[0]['msg']}",
                err=True,
            )
            sys.exit(2)

    return wrapper  # type: ignore[return-value]
