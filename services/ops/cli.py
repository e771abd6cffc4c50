"""Operators' commands: `nianbao replay`, `nianbao dlq list|show|redrive`, `nianbao nats provision`."""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import datetime
from typing import Any, TypeVar

import click
from nats.js import JetStreamContext

from shared.cli import friendly_errors
from shared.errors import ConfigurationError
from shared.settings import parse_now

T = TypeVar("T")
SERVICES_WITH_INPUT = ("extract", "store", "notify")


def _settings() -> Any:
    from services.runtime import AppSettings

    return AppSettings()


def _time(value: str | None, option: str) -> datetime | None:
    if value is None:
        return None
    try:
        return parse_now(value)
    except ValueError:
        raise ConfigurationError(
            f"{option} must be a date (YYYY-MM-DD) or an ISO time, got {value!r}"
        ) from None


class _Bar:
    """A click progress bar on stderr (drawn at a terminal only; click prints nothing else)."""

    def __init__(self, label: str):
        self.label = label
        self.bar: Any = None

    def start(self, total: int) -> None:
        if not sys.stderr.isatty():
            return
        self.bar = click.progressbar(length=max(total, 1), label=self.label, file=sys.stderr)
        self.bar.__enter__()

    def update(self, done: int) -> None:
        if self.bar is not None and done > self.bar.pos:
            self.bar.update(done - self.bar.pos)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)


@click.command()
@click.option("--service", required=True, type=click.Choice(SERVICES_WITH_INPUT))
@click.option("--since", metavar="TIME", help="First event time: YYYY-MM-DD or ISO time (UTC).")
@click.option("--from-seq", type=click.IntRange(min=1), help="First stream sequence number.")
@click.option("--until", metavar="TIME", help="Last event time (default: the newest event).")
@click.option("--subject", help="Only this one of the service's input subjects.")
@click.option("--dry-run", is_flag=True, help="Count what would be replayed; change nothing.")
@click.option(
    "--resend",
    is_flag=True,
    help="notify only: send again the emails these events already caused (asks first).",
)
@click.option("--yes", is_flag=True, help="Do not ask before --resend.")
@friendly_errors
def replay(
    service: str,
    since: str | None,
    from_seq: int | None,
    until: str | None,
    subject: str | None,
    dry_run: bool,
    resend: bool,
    yes: bool,
) -> None:
    """Re-deliver a service's stored input events to it; safe: no duplicate rows, no email re-sent.

    Reads through a consumer of its own (the services' consumers keep their position) and
    returns when every event in range is processed. After an extractor upgrade, replaying
    extract updates the filings whose extraction changed and prints what changed.
    """
    from services.ops.replay import ReplayRequest
    from services.ops.runner import run_replay
    from shared.logs import configure_logging

    if (since is None) == (from_seq is None):
        raise ConfigurationError("give exactly one of --since TIME and --from-seq N")
    if resend and service != "notify":
        raise ConfigurationError("--resend only applies to --service notify")
    if resend and not dry_run and not yes:
        if not sys.stdin.isatty():
            raise ConfigurationError("--resend sends email again: add --yes to confirm")
        click.confirm("Send again the emails these events already caused?", abort=True)
    settings = _settings()
    configure_logging("WARNING", settings.log_json)
    request = ReplayRequest(
        service=service,
        since=_time(since, "--since"),
        from_seq=from_seq,
        until=_time(until, "--until"),
        subject=subject,
        dry_run=dry_run,
        resend=resend,
    )
    bar = _Bar(f"replaying {service}")
    try:
        result = asyncio.run(run_replay(settings, request, bar))
    finally:
        bar.close()
    subjects = ", ".join(f"{s} {n}" for s, n in sorted(result.by_subject.items())) or "none"
    if dry_run:
        click.echo(f"dry run: {result.replayed} events would be replayed to {service} ({subjects})")
        return
    click.echo(
        f"replayed {result.replayed} events to {service} ({subjects}): {result.acked} processed, "
        f"{result.dead_lettered} dead-lettered, {result.retries} retries"
    )
    if resend:
        click.echo(f"emails queued to be sent again: {result.resent}")
    if service in ("extract", "store"):
        click.echo(
            f"filings: {result.new_filings} new, {result.changed_filings} changed"
            + (" (recorded while the replay ran)" if result.recorded else "")
        )
        for event in result.recorded[:50]:
            click.echo(
                f"  {event.change:<7} {event.agency}  {event.report_year}  {event.kind}  "
                f"v{event.version}  《{event.title or ''}》"
            )


@contextlib.asynccontextmanager
async def _jetstream() -> AsyncIterator[tuple[JetStreamContext, Any, Any]]:
    from services.ops.runner import ops_nats
    from shared.bus import ensure_stream
    from shared.clock import make_clock
    from shared.connect import connect_broker

    settings = _settings()
    async with ops_nats(settings) as (url, _alone):
        broker = await connect_broker(settings, url)
        try:
            js = broker.connection.jetstream()
            await ensure_stream(js)
            yield js, broker, make_clock(settings.now)
        finally:
            await broker.stop()


def _run(action: Callable[[JetStreamContext, Any, Any], Awaitable[T]]) -> T:
    async def go() -> T:
        from services.ops.advisories import collect_advisories

        async with _jetstream() as (js, broker, clock):
            await collect_advisories(js, broker, clock)  # so no given-up message is missed
            return await action(js, broker, clock)

    return asyncio.run(go())


@click.group()
def dlq() -> None:
    """Dead letters: messages a service gave up on, with the reason and the original event."""


@dlq.command("list")
@click.option("--service", type=click.Choice(SERVICES_WITH_INPUT))
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line.")
@friendly_errors
def dlq_list(service: str | None, as_json: bool) -> None:
    """List dead letters, oldest first (ID is what `dlq show` and `dlq redrive --id` take)."""
    from services.ops.dlq import list_letters

    letters = _run(lambda js, _b, _c: list_letters(js, service))
    for item in letters:
        if as_json:
            click.echo(json.dumps(item.summary(), ensure_ascii=False))
            continue
        mark = f"  [redriven {item.redriven_at[:19]}]" if item.redriven_at else ""
        click.echo(
            f"{item.id:>8}  {item.letter.service:<8} {item.letter.failed_at:%Y-%m-%d %H:%M}  "
            f"{item.letter.original_subject}  {item.letter.error_type}: "
            f"{item.letter.reason[:120]}{mark}"
        )
    if not as_json:
        click.echo(f"{len(letters)} dead letter(s)")


@dlq.command("show")
@click.argument("letter_id", metavar="ID", type=int)
@friendly_errors
def dlq_show(letter_id: int) -> None:
    """Everything about one dead letter, the original event included."""
    from services.ops.dlq import get_letter

    item = _run(lambda js, _b, _c: get_letter(js, letter_id))
    shown = item.summary()
    try:
        shown["original_event"] = json.loads(item.letter.original_data)
    except ValueError:
        shown["original_data"] = item.letter.original_data
    click.echo(json.dumps(shown, ensure_ascii=False, indent=2))


@dlq.command("redrive")
@click.option("--service", type=click.Choice(SERVICES_WITH_INPUT))
@click.option("--id", "letter_id", type=int, help="One dead letter (default: all of them).")
@friendly_errors
def dlq_redrive(service: str | None, letter_id: int | None) -> None:
    """Publish the original events again to their subjects; each letter is redriven once."""
    from services.ops.dlq import redrive

    result = _run(
        lambda js, _b, clock: redrive(js, service=service, letter_id=letter_id, now=clock())
    )
    click.echo(
        f"redriven: {len(result.redriven)}"
        + (f" ({', '.join(map(str, result.redriven))})" if result.redriven else "")
        + f"; already redriven before: {len(result.already)}"
        + (
            f"; too large to redrive (the letter holds only part of it): "
            f"{', '.join(map(str, result.incomplete))}"
            if result.incomplete
            else ""
        )
    )


@click.group()
def nats() -> None:
    """NATS administration."""


@nats.command("provision")
@click.option("--replicas", type=click.IntRange(1, 5), default=1, show_default=True)
@friendly_errors
def nats_provision(replicas: int) -> None:
    """Create or update the streams and buckets (run once per cluster, and after upgrades)."""
    from services.ops.buckets import provision_buckets
    from shared.bus import ADVISORY_STREAM, STREAM_NAME, ensure_stream

    async def main() -> list[str]:
        async with _jetstream() as (js, _broker, _clock):
            await ensure_stream(js, replicas)
            return await provision_buckets(js, replicas)

    buckets = asyncio.run(main())
    click.echo(
        f"streams {STREAM_NAME} and {ADVISORY_STREAM} and buckets {', '.join(buckets)} "
        f"provisioned with {replicas} replica(s)"
    )


COMMANDS = [replay, dlq, nats]
