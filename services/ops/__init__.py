"""Operators' controls: replay, dead letters, advisories, health wiring and stream provisioning."""
