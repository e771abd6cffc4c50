"""Notify's commands: subscriptions."""

from __future__ import annotations

import json

import click

from services.notify import migrate
from services.notify.service import NotifyService
from services.notify.settings import NotifySettings
from shared.cli import friendly_errors
from shared.clock import make_clock
from shared.db import make_engine, session_factory
from shared.errors import ConfigurationError
from shared.events import REPORT_KINDS


@click.command()
@click.argument("email")
@click.option(
    "--region",
    "regions",
    multiple=True,
    help="Region code or name, e.g. 530000 or 云南省 (matches everything under it).",
)
@click.option("--agency", "agencies", multiple=True, help="Agency id from the sources file.")
@click.option("--kind", "kinds", multiple=True, type=click.Choice(REPORT_KINDS))
@click.option("--keyword", "keywords", multiple=True)
@click.option(
    "--alerts", default="new,overdue", show_default=True, help="Which alerts: new, overdue or both."
)
@click.option(
    "--mode",
    type=click.Choice(["instant", "daily"]),
    default="instant",
    show_default=True,
    help="instant: one email per alert; daily: one digest a day, grouped by region.",
)
@friendly_errors
def subscribe(
    email: str,
    regions: tuple[str, ...],
    agencies: tuple[str, ...],
    kinds: tuple[str, ...],
    keywords: tuple[str, ...],
    alerts: str,
    mode: str,
) -> None:
    """Subscribe an address to alerts (defaults: everything, instantly)."""
    notify = _notify_service()
    wanted = [a.strip() for a in alerts.split(",") if a.strip()]
    if not wanted or set(wanted) - {"new", "overdue"}:
        raise ConfigurationError("--alerts takes new, overdue or new,overdue")
    # CLI-made subscriptions are trusted (the operator typed them): no confirmation email.
    sub = notify.subscribe(
        email,
        regions=list(regions),
        agencies=list(agencies),
        kinds=list(kinds),
        keywords=list(keywords),
        alerts=wanted,
        mode=mode,
    )
    regions_text = ", ".join(sub.regions) or "all regions"
    since = sub.confirmed_at or sub.created_at
    click.echo(
        f"subscribed {sub.email} ({sub.mode}; {regions_text}); alerts about filings first seen "
        f"from {since:%Y-%m-%d %H:%M} UTC on (a run played earlier with --now sends none)"
    )


@click.command()
@click.argument("email")
@friendly_errors
def unsubscribe(email: str) -> None:
    """Stop sending alerts to an address."""
    done = _notify_service().unsubscribe(email)
    click.echo(f"unsubscribed {email}" if done else f"{email} had no active subscription")


@click.command()
@click.option("--json", "as_json", is_flag=True)
@friendly_errors
def subscriptions(as_json: bool) -> None:
    """List active subscriptions (and those awaiting confirmation)."""
    for sub in _notify_service().subscriptions():
        row = {
            "email": sub.email,
            "regions": sub.regions,
            "agencies": sub.agencies,
            "kinds": sub.kinds,
            "keywords": sub.keywords,
            "alerts": sub.alerts,
            "mode": sub.mode,
            "confirmed": sub.confirmed,
            "origin": sub.origin,
            "created_at": sub.created_at.isoformat(),
        }
        if as_json:
            click.echo(json.dumps(row, ensure_ascii=False))
            continue
        filters = "; ".join(
            f"{name} {','.join(row[name])}"  # type: ignore[arg-type]
            for name in ("regions", "agencies", "kinds", "keywords")
            if row[name]
        )
        state = "" if sub.confirmed else "  (awaiting confirmation)"
        click.echo(
            f"{sub.email}  {sub.mode}  alerts {','.join(sub.alerts)}  {filters or 'everything'}{state}"
        )


def _notify_service() -> NotifyService:
    settings = NotifySettings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    if settings.database_url is None:
        migrate.upgrade(settings.resolved_database_url())  # embedded default: keep it ready
    sessions = session_factory(make_engine(settings.resolved_database_url()))
    return NotifyService(
        sessions=sessions,
        mailer=None,
        clock=make_clock(settings.now),
        sender=settings.smtp_from,
        public_url=settings.public_url,
        secret_key=settings.secret_key.get_secret_value() if settings.secret_key else None,
    )


COMMANDS: list[click.Command] = [subscribe, unsubscribe, subscriptions]
