"""The `nianbao` command: run the services, and read what they recorded.

Configuration errors (a bad sources file, a missing setting, an unreachable database) end the
command with a one-line message and exit status 2, never with a traceback.
"""

from __future__ import annotations

import asyncio
import functools
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
from pydantic import ValidationError

from shared.errors import ConfigurationError, NianbaoError
from shared.events import REPORT_KINDS

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


def app_settings() -> Any:
    from services.runtime import AppSettings

    return AppSettings()


def store_sessions(settings: Any) -> Any:
    from shared.db import make_engine, session_factory

    return session_factory(make_engine(settings.resolved_database_url()))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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
    migrate_database(settings.resolved_database_url())
    click.echo("database is up to date")


@main.group()
def reports() -> None:
    """Stored filings."""


@reports.command("list")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@click.option("--year", type=int, help="Only reports covering this year.")
@click.option("--agency", help="Only this agency (its id in the sources file, or its full name).")
@click.option("--kind", type=click.Choice(REPORT_KINDS), help="Only this kind of report.")
@friendly_errors
def reports_list(as_json: bool, year: int | None, agency: str | None, kind: str | None) -> None:
    """List stored filings."""
    from services.store.queries import list_filings

    settings = app_settings()
    rows = list_filings(store_sessions(settings), year=year, agency=agency, kind=kind)
    if as_json:
        for row in rows:
            click.echo(json.dumps(row, ensure_ascii=False))
        return
    if not rows:
        click.echo("no filings stored yet (run `nianbao up --demo --once` to see some)")
        return
    for row in rows:
        click.echo(_filing_line(row))


def _filing_line(row: dict[str, Any]) -> str:
    on_time = {True: "on time", False: "LATE", None: ""}[row["on_time"]]
    return (
        f"{row['report_year']}  {row['kind']:<14}  {row['agency']:<16}  "
        f"published {row['published'] or 'unknown':<10}  {on_time:<7}  {row['title'] or ''}\n      {row['url']}"
    )


@main.command()
@click.argument("email")
@click.option(
    "--region", "regions", multiple=True, help="6-digit region code (matches everything under it)."
)
@click.option("--agency", "agencies", multiple=True, help="Agency id from the sources file.")
@click.option("--kind", "kinds", multiple=True, type=click.Choice(REPORT_KINDS))
@click.option("--keyword", "keywords", multiple=True)
@click.option(
    "--alerts", default="new,overdue", show_default=True, help="Which alerts: new, overdue or both."
)
@friendly_errors
def subscribe(
    email: str,
    regions: tuple[str, ...],
    agencies: tuple[str, ...],
    kinds: tuple[str, ...],
    keywords: tuple[str, ...],
    alerts: str,
) -> None:
    """Subscribe an address to alerts (defaults: everything, instantly)."""
    notify = _notify_service()
    wanted = [a.strip() for a in alerts.split(",") if a.strip()]
    if not wanted or set(wanted) - {"new", "overdue"}:
        raise ConfigurationError("--alerts takes new, overdue or new,overdue")
    sub = notify.subscribe(
        email,
        regions=list(regions),
        agencies=list(agencies),
        kinds=list(kinds),
        keywords=list(keywords),
        alerts=wanted,
    )
    click.echo(f"subscribed {sub.email}")


@main.command()
@click.argument("email")
@friendly_errors
def unsubscribe(email: str) -> None:
    """Stop sending alerts to an address."""
    done = _notify_service().unsubscribe(email)
    click.echo(f"unsubscribed {email}" if done else f"{email} had no active subscription")


@main.command()
@click.option("--json", "as_json", is_flag=True)
@friendly_errors
def subscriptions(as_json: bool) -> None:
    """List active subscriptions."""
    for sub in _notify_service().subscriptions():
        row = {
            "email": sub.email,
            "regions": sub.regions,
            "agencies": sub.agencies,
            "kinds": sub.kinds,
            "keywords": sub.keywords,
            "alerts": sub.alerts,
            "mode": sub.mode,
            "created_at": sub.created_at.isoformat(),
        }
        click.echo(json.dumps(row, ensure_ascii=False) if as_json else f"{sub.email}  {row}")


def _notify_service() -> Any:
    from services.notify.service import NotifyService
    from services.runtime import migrate_database
    from shared.clock import make_clock

    settings = app_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if settings.database_url is None:
        migrate_database(settings.resolved_database_url())  # embedded default: keep it ready
    return NotifyService(
        sessions=store_sessions(settings), mailer=None, clock=make_clock(settings.now)
    )


@main.command()
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--url", help="The URL the file was fetched from (helps resolve the agency).")
@click.option(
    "--jsonl",
    "jsonl",
    type=click.File("r", encoding="utf-8"),
    help='Read documents from a JSON Lines file ("-" for stdin): {"id", "url", "html"|"text"}.',
)
@friendly_errors
def extract(files: tuple[Path, ...], url: str | None, jsonl: Any) -> None:
    """Extract report metadata from saved pages; prints one JSON object per document."""
    from services.extract.core import Document, extract_document

    if not files and jsonl is None:
        raise ConfigurationError("give FILE... or --jsonl IN")
    for path in files:
        content = path.read_bytes()
        content_type = "text/plain" if path.suffix.lower() == ".txt" else None
        result = extract_document(Document(content=content, content_type=content_type, url=url))
        click.echo(
            json.dumps({"id": str(path), **result.model_dump(mode="json")}, ensure_ascii=False)
        )
    if jsonl is not None:
        for number, line in enumerate(jsonl, 1):
            if not line.strip():
                continue
            try:
                item = json.loads(line)
            except json.JSONDecodeError as exc:
                click.echo(
                    json.dumps(
                        {"id": None, "line": number, "error": f"invalid JSON: {exc}"},
                        ensure_ascii=False,
                    )
                )
                continue
            body = item.get("html") if item.get("html") is not None else item.get("text", "")
            content_type = "text/html" if item.get("html") is not None else "text/plain"
            result = extract_document(
                Document(
                    content=str(body).encode("utf-8"),
                    content_type=content_type,
                    url=item.get("url"),
                )
            )
            click.echo(
                json.dumps(
                    {"id": item.get("id"), **result.model_dump(mode="json")}, ensure_ascii=False
                )
            )


if __name__ == "__main__":
    main()
