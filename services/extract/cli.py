"""Extract's command: extraction of saved pages, offline (`nianbao extract`)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click

from services.extract.core import Document, extract_document
from shared.cli import friendly_errors
from shared.errors import ConfigurationError


@click.command()
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


COMMANDS: list[click.Command] = [extract]
