"""the text of each filing version, and the indexes the dashboard's lists read by

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04 21:00:00

`documents.extraction` keeps only the latest text seen at each URL, so a silent edit at the same
address used to overwrite the text of the version before it. Versions stored before this
revision have no text; the dashboard says so instead of showing a diff.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("filing_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("text", sa.Text(), nullable=True))
    with op.batch_alter_table("filings", schema=None) as batch_op:
        batch_op.create_index("ix_filings_first_seen_id", ["first_seen", "id"], unique=False)
    with op.batch_alter_table("obligations", schema=None) as batch_op:
        batch_op.create_index(
            "ix_obligations_overdue_alerted_at_id", ["overdue_alerted_at", "id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("obligations", schema=None) as batch_op:
        batch_op.drop_index("ix_obligations_overdue_alerted_at_id")
    with op.batch_alter_table("filings", schema=None) as batch_op:
        batch_op.drop_index("ix_filings_first_seen_id")
    with op.batch_alter_table("filing_versions", schema=None) as batch_op:
        batch_op.drop_column("text")
