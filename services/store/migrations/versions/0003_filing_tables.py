"""statutory tables of 信息公开 filings and their check findings

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-04 21:00:00

Filled as documents are extracted (extractor version 5 reads the tables); filings stored before
get theirs when their documents are replayed through extract.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "filing_tables",
        sa.Column("filing_id", sa.String(length=32), nullable=False),
        sa.Column("report_year", sa.Integer(), nullable=False),
        sa.Column("url", sa.Text(), nullable=False),
        sa.Column("format", sa.String(length=4), nullable=False),
        sa.Column("tables", sa.JSON(), nullable=False),
        sa.Column("cells", sa.JSON(), nullable=False),
        sa.Column("units", sa.JSON(), nullable=False),
        sa.Column("findings", sa.JSON(), nullable=False),
        sa.Column("cells_read", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["filing_id"], ["filings.id"], name=op.f("fk_filing_tables_filing_id_filings")
        ),
        sa.PrimaryKeyConstraint("filing_id", name=op.f("pk_filing_tables")),
    )
    with op.batch_alter_table("filing_tables", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_filing_tables_report_year"), ["report_year"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("filing_tables", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_filing_tables_report_year"))
    op.drop_table("filing_tables")
