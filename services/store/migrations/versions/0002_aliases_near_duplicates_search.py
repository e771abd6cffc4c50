"""agency aliases, near-duplicate fingerprints of versions, full-text search of filings

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 09:00:00

The search index is filled here for the filings stored before it existed, from the text their
latest document carries in `documents.extraction` (tokenised with jieba, as the store does).
"""

from __future__ import annotations

import json
from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "agency_aliases",
        sa.Column("alias", sa.String(length=200), nullable=False),
        sa.Column("agency_id", sa.String(length=100), nullable=False),
        sa.ForeignKeyConstraint(
            ["agency_id"], ["agencies.id"], name=op.f("fk_agency_aliases_agency_id_agencies")
        ),
        sa.PrimaryKeyConstraint("alias", name=op.f("pk_agency_aliases")),
    )
    with op.batch_alter_table("agency_aliases", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_agency_aliases_agency_id"), ["agency_id"], unique=False
        )
    with op.batch_alter_table("filing_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("simhash", sa.String(length=64), nullable=True))
        batch_op.add_column(sa.Column("facts_hash", sa.String(length=32), nullable=True))

    bind = op.get_bind()
    if bind.dialect.name == "sqlite":
        op.execute(
            "CREATE VIRTUAL TABLE filing_search USING fts5("
            "filing_id UNINDEXED, tokens, tokenize = 'unicode61')"
        )
    else:
        op.execute(
            "CREATE TABLE filing_search ("
            "filing_id VARCHAR(32) PRIMARY KEY REFERENCES filings (id), "
            "tokens TEXT NOT NULL, "
            "tsv TSVECTOR GENERATED ALWAYS AS (to_tsvector('simple', tokens)) STORED)"
        )
        op.execute("CREATE INDEX ix_filing_search_tsv ON filing_search USING gin (tsv)")
    _index_existing_filings(bind)


def _index_existing_filings(bind: sa.Connection) -> None:
    rows = bind.execute(
        sa.text(
            "SELECT f.id, f.title, f.agency_name, d.extraction FROM filings f "
            "JOIN documents d ON d.filing_id = f.id ORDER BY f.id, d.last_seen"
        )
    ).all()
    if not rows:
        return
    from services.store.search import document_text
    from services.store.text import search_tokens

    latest: dict[str, tuple[str | None, str, Any]] = {}
    for filing_id, title, agency, extraction in rows:
        latest[filing_id] = (title, agency, extraction)  # ordered by last_seen: the last wins
    for filing_id, (title, agency, extraction) in latest.items():
        payload = json.loads(extraction) if isinstance(extraction, str) else extraction
        content = document_text(title, agency, str((payload or {}).get("text") or ""))
        bind.execute(
            sa.text("INSERT INTO filing_search (filing_id, tokens) VALUES (:id, :tokens)"),
            {"id": filing_id, "tokens": search_tokens(content)},
        )


def downgrade() -> None:
    op.execute("DROP TABLE filing_search")
    with op.batch_alter_table("filing_versions", schema=None) as batch_op:
        batch_op.drop_column("facts_hash")
        batch_op.drop_column("simhash")
    with op.batch_alter_table("agency_aliases", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_agency_aliases_agency_id"))
    op.drop_table("agency_aliases")
