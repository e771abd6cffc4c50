"""Dead letters: list them, show one, and redrive them to their original subject once.

A dead letter is a `DeadLetter` event on `nianbao.dlq.<service>.v1` in the `NIANBAO` stream; its
id for operators is its stream sequence number (short, unique, stable). Redriving publishes the
original payload to the original subject, where the service's durable consumer picks it up again
(each input subject has exactly one consuming service). The mark that a letter was redriven is a
key in the `nianbao-dlq` key-value bucket, claimed with create-if-absent before publishing: two
operators redriving at once, or one running the command twice, redrive a letter once.

The redriven message carries a `Nats-Msg-Id` of its own (`redrive` + letter id), not the original
event's: inside JetStream's duplicate window the original id would be dropped as a duplicate.
The payload, and so the event id consumers record in their inbox, is the original.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from nats.js import JetStreamContext
from nats.js.api import KeyValueConfig, StorageType
from nats.js.errors import BucketNotFoundError, KeyWrongLastSequenceError, NotFoundError
from nats.js.kv import KeyValue

from services.ops.streams import read_all
from shared.bus import STREAM_NAME
from shared.errors import ConfigurationError
from shared.events import DeadLetter, dlq_subject, stable_id

REDRIVE_BUCKET = "nianbao-dlq"


@dataclass(frozen=True)
class Letter:
    """A dead letter as stored: its id (stream sequence), the event, and when it was redriven."""

    id: int
    letter: DeadLetter
    redriven_at: str | None

    def summary(self) -> dict[str, Any]:
        """The fields `dlq list --json` prints."""
        return {
            "id": self.id,
            "service": self.letter.service,
            "failed_at": self.letter.failed_at.isoformat(),
            "original_subject": self.letter.original_subject,
            "original_event_id": self.letter.original_event_id,
            "error_type": self.letter.error_type,
            "reason": self.letter.reason,
            "deliveries": self.letter.deliveries,
            "redriven_at": self.redriven_at,
        }


async def redrive_bucket(js: JetStreamContext) -> KeyValue:
    """The bucket of redrive marks, created on first use."""
    try:
        return await js.key_value(REDRIVE_BUCKET)
    except BucketNotFoundError:
        return await js.create_key_value(
            KeyValueConfig(bucket=REDRIVE_BUCKET, history=1, storage=StorageType.FILE)
        )


async def _redriven_at(kv: KeyValue, letter_id: int) -> str | None:
    try:
        entry = await kv.get(str(letter_id))
    except Exception:  # KeyNotFoundError, or a deleted mark (a redrive whose publish failed)
        return None
    if not entry.value:
        return None
    return str(json.loads(entry.value)["redriven_at"])


async def list_letters(js: JetStreamContext, service: str | None = None) -> list[Letter]:
    """Every dead letter (of one service), oldest first."""
    subject = dlq_subject(service) if service else dlq_subject("*")
    kv = await redrive_bucket(js)
    letters = []
    async for msg in read_all(js, [subject]):
        letter = DeadLetter.model_validate_json(msg.data)
        seq = int(msg.metadata.sequence.stream)
        letters.append(Letter(seq, letter, await _redriven_at(kv, seq)))
    return letters


async def get_letter(js: JetStreamContext, letter_id: int) -> Letter:
    """One dead letter by id; ConfigurationError (a clear message) when there is none."""
    try:
        stored = await js.get_msg(STREAM_NAME, letter_id)
    except NotFoundError:
        raise ConfigurationError(f"no dead letter with id {letter_id}") from None
    if not (stored.subject or "").startswith("nianbao.dlq."):
        raise ConfigurationError(f"message {letter_id} is not a dead letter ({stored.subject})")
    letter = DeadLetter.model_validate_json(stored.data or b"")
    return Letter(letter_id, letter, await _redriven_at(await redrive_bucket(js), letter_id))


@dataclass
class RedriveResult:
    """What a redrive did: letters published again, and those skipped as already redriven."""

    redriven: list[int]
    already: list[int]
    incomplete: list[int] = field(default_factory=list)  # original too large to keep: not redriven


async def redrive(
    js: JetStreamContext,
    *,
    service: str | None = None,
    letter_id: int | None = None,
    now: datetime | None = None,
) -> RedriveResult:
    """Publish the original events of the chosen dead letters again, each at most once."""
    if letter_id is not None:
        chosen = [await get_letter(js, letter_id)]
        if service and chosen[0].letter.service != service:
            raise ConfigurationError(
                f"dead letter {letter_id} belongs to {chosen[0].letter.service}, not {service}"
            )
    else:
        chosen = await list_letters(js, service)
    kv = await redrive_bucket(js)
    result = RedriveResult([], [])
    for item in chosen:
        if item.letter.original_truncated:
            result.incomplete.append(item.id)  # republishing a cut event would only fail again
            continue
        mark = json.dumps(
            {
                "redriven_at": (now or datetime.now(UTC)).isoformat(),
                "subject": item.letter.original_subject,
                "event_id": item.letter.original_event_id,
            }
        ).encode()
        try:
            await kv.create(str(item.id), mark)
        except KeyWrongLastSequenceError:
            result.already.append(item.id)
            continue
        try:
            await js.publish(
                item.letter.original_subject,
                item.letter.original_data.encode("utf-8"),
                stream=STREAM_NAME,
                headers={
                    "Nats-Msg-Id": stable_id("redrive", item.id),
                    "content-type": "application/json",
                    "Nianbao-Redrive-Of": str(item.id),
                },
            )
        except Exception:
            await kv.purge(str(item.id))  # not redriven after all: a later redrive may try again
            raise
        result.redriven.append(item.id)
    return result
