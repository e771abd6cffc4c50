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


def setting_problem(exc: ValidationError) -> str:
    """The first invalid setting, named as the environment variable the user set."""
    error = exc.errors()[0]
    name = "_".join(str(part) for part in error["loc"]).upper()
    message = str(error["msg"]).removeprefix("Value error, ").removeprefix(f"NIANBAO_{name} ")
    more = f" (and {exc.error_count() - 1} more)" if exc.error_count() > 1 else ""
    return f"invalid setting NIANBAO_{name}: {message}{more}"


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
            click.echo(f"nianbao: {setting_problem(exc)}", err=True)
            sys.exit(2)

    return wrapper  # type: ignore[return-value]
