"""Full-text search over filings: jieba tokens in SQLite FTS5 or a PostgreSQL tsvector.

Chinese has no spaces, so neither database can split it; the store splits it with jieba before
indexing (search mode: words and their sub-words, 昆明市 → 昆明 昆明市) and stores the tokens
space-separated. FTS5's unicode61 tokenizer and PostgreSQL's `simple` configuration then only
split on the spaces. A query is split the same way and every token must match.

The `filing_search` table is created by migration 0002: an FTS5 virtual table on SQLite, a table
with a generated `tsvector` column and a GIN index on PostgreSQL.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import text
from sqlalchemy.orm import Session

from services.store.text import query_tokens, search_tokens
from shared.db import core_connection


def document_text(title: str | None, agency: str | None, body: str) -> str:
    """What a filing is found by: its title, its agency's name and its text."""
    return "\n".join(part for part in (title, agency, body) if part)


def index_filing(
    session: Session,
    filing_id: str,
    content: str,
    words: Sequence[str] | None = None,
    *,
    new: bool = False,
) -> None:
    """Put (or replace) a filing's text in the index, in the caller's transaction.

    `words`: the jieba tokens of `content` if the caller has them (saves segmenting it again).
    `new`: the filing was never indexed. On SQLite, removing a filing's old row scans the whole
    FTS5 table (it indexes tokens, not filing ids), so a new filing skips it; without that, every
    new filing cost a scan and recording 10,000 reports slowed down quadratically.
    """
    tokens = search_tokens(content, words)
    connection = core_connection(session)  # the filing's row first (PostgreSQL refers to it)
    if connection.dialect.name == "sqlite":
        if not new:
            connection.execute(_SQLITE_DELETE, {"id": filing_id})
        connection.execute(_SQLITE_INSERT, {"id": filing_id, "tokens": tokens})
        return
    connection.execute(_POSTGRESQL_UPSERT, {"id": filing_id, "tokens": tokens})


# Built once: index_filing runs for every new report.
_SQLITE_DELETE = text("DELETE FROM filing_search WHERE filing_id = :id")
_SQLITE_INSERT = text("INSERT INTO filing_search (filing_id, tokens) VALUES (:id, :tokens)")
_POSTGRESQL_UPSERT = text(
    "INSERT INTO filing_search (filing_id, tokens) VALUES (:id, :tokens) "
    "ON CONFLICT (filing_id) DO UPDATE SET tokens = excluded.tokens"
)


def search_filing_ids(session: Session, query: str, limit: int = 50) -> list[str]:
    """Ids of the filings matching every token of `query`, best match first."""
    words = query_tokens(query)
    if not words:
        return []
    if session.get_bind().dialect.name == "sqlite":
        match = " ".join('"' + word.replace('"', '""') + '"' for word in words)
        rows = session.execute(
            text(
                "SELECT filing_id FROM filing_search WHERE filing_search MATCH :match "
                "ORDER BY rank LIMIT :limit"
            ),
            {"match": match, "limit": limit},
        )
        return [row[0] for row in rows]
    rows = session.execute(
        text(
            "SELECT filing_id FROM filing_search, plainto_tsquery('simple', :query) AS q "
            "WHERE tsv @@ q ORDER BY ts_rank(tsv, q) DESC, filing_id LIMIT :limit"
        ),
        {"query": " ".join(words), "limit": limit},
    )
    return [row[0] for row in rows]
