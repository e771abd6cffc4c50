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
@click.option(
    "--words",
    "with_words",
    is_flag=True,
    help="Include `words`, the whole text's jieba segmentation (tens of KB per report).",
)
@friendly_errors
def extract(files: tuple[Path, ...], url: str | None, jsonl: Any, with_words: bool) -> None:
    """Extract report metadata from saved pages; prints one JSON object per document."""

    def echo(doc_id: Any, result: Any) -> None:
        # `words` is for the store (it reuses the segmentation); to a reader it buries the rest.
        fields = result.model_dump(mode="json", exclude=None if with_words else {"words"})
        click.echo(json.dumps({"id": doc_id, **fields}, ensure_ascii=False))

    if not files and jsonl is None:
        raise ConfigurationError("give FILE... or --jsonl IN")
    for path in files:
        content = path.read_bytes()
        content_type = "text/plain" if path.suffix.lower() == ".txt" else None
        result = extract_document(Document(content=content, content_type=content_type, url=url))
        echo(str(path), result)
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
            echo(item.get("id"), result)


COMMANDS: list[click.Command] = [extract]
