"""The `nianbao` command: run the services; each service adds its own commands (its `cli.py`).

Configuration errors (a bad sources file, a missing setting, an unreachable database) end the
command with a one-line message and exit status 2, never with a traceback.
"""

from __future__ import annotations

import asyncio
import os
import sys
from importlib import metadata
from typing import Any

import click

from services.extract import cli as extract_cli
from services.ingest import cli as ingest_cli
from services.ingest import sources_cli
from services.notify import cli as notify_cli
from services.ops import cli as ops_cli
from services.store import cli as store_cli
from services.store import registry_cli
from shared.cli import friendly_errors
from shared.errors import ConfigurationError
from shared.settings import parse_now


def app_settings() -> Any:
    from services.runtime import AppSettings

    return AppSettings()


def installed_version() -> str:
    """The installed package's version (a bare checkout has none)."""
    try:
        return metadata.version("nianbao")
    except metadata.PackageNotFoundError:
        return "(not installed: pip install -e .)"


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(
    version=installed_version(), prog_name="nianbao", message="%(prog)s %(version)s"
)
def main() -> None:
    """nianbao (年报): watch Chinese government portals for the annual reports agencies must publish.

    Settings come from NIANBAO_* environment variables; see the README for the full table.
    """


@main.command()
@click.option(
    "--demo", is_flag=True, help="Serve the bundled demo portal on loopback and crawl it."
)
@click.option(
    "--once",
    is_flag=True,
    help="Crawl every source once, wait until everything is processed, print a summary, exit.",
)
@click.option(
    "--now", "now", metavar="YYYY-MM-DD", help="Play the run at this date (same as NIANBAO_NOW)."
)
@friendly_errors
def up(demo: bool, once: bool, now: str | None) -> None:
    """Run all four services in one process (embedded NATS and SQLite unless configured)."""
    if now:
        try:
            parse_now(now)
        except ValueError:
            raise ConfigurationError(
                f"--now must be a date (YYYY-MM-DD) or an ISO time, got {now!r}"
            ) from None
        os.environ["NIANBAO_NOW"] = now
    from services.up import run_up

    settings = app_settings()
    sys.exit(asyncio.run(run_up(settings, demo=demo, once=once)))


@main.command()
@click.argument("name", type=click.Choice(["ingest", "extract", "store", "notify"]))
@friendly_errors
def service(name: str) -> None:
    """Run one service alone against NIANBAO_NATS_URL and NIANBAO_DATABASE_URL (as in Kubernetes)."""
    from services.up import run_service

    settings = app_settings()
    if not settings.nats_url:
        raise ConfigurationError(
            "`nianbao service` needs NIANBAO_NATS_URL (a NATS server with JetStream)"
        )
    sys.exit(asyncio.run(run_service(settings, name)))


@main.group()
def db() -> None:
    """Database administration."""


@db.command("upgrade")
@friendly_errors
def db_upgrade() -> None:
    """Create or upgrade the tables of every service (run before starting new replicas)."""
    from services.runtime import migrate_database

    settings = app_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    applied = migrate_database(settings.resolved_database_url())
    if not any(applied.values()):
        click.echo("database is up to date: nothing to do")
        return
    for service, steps in applied.items():
        for step in steps:
            click.echo(f"{service}: applied {step}")
    click.echo("database upgraded to the current version")


for module in (ingest_cli, sources_cli, extract_cli, store_cli, registry_cli, notify_cli, ops_cli):
    for command in module.COMMANDS:
        main.add_command(command)


if __name__ == "__main__":
    main()
