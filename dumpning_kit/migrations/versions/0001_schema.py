"""The schema as dumpning-kit made it before migrations: cases, events, register_reads.

A database made by the old ``metadata.create_all`` already has cases and events (and
register_reads once the register was read); dumpning_kit.migrate stamps such a file at this
revision after creating only the tables it lacks, so nothing is lost.

Revision ID: 0001
Revises:
"""
from alembic import op
import sqlalchemy as sa

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def create_tables(bind, metadata: sa.MetaData | None = None) -> None:
    """Every table of this revision that ``bind`` does not have yet (also used for legacy files)."""
    md = metadata or sa.MetaData()
    sa.Table(
        "cases", md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("diarienummer", sa.String(40), nullable=False, unique=True),
        sa.Column("caseworker", sa.String(100), nullable=False, index=True),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_at", sa.Date, nullable=True, index=True),
        sa.Column("next_due", sa.Date, nullable=True, index=True),
        sa.Column("answers", sa.JSON, nullable=False),
        sa.Column("decision", sa.JSON, nullable=True),
    )
    sa.Table(
        "events", md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.Integer, sa.ForeignKey("cases.id", ondelete="CASCADE"), nullable=False, index=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user", sa.String(100), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("version", sa.Integer, nullable=True),
        sa.Column("detail", sa.JSON, nullable=False),
    )
    sa.Table(
        "register_reads", md,
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user", sa.String(100), nullable=False),
        sa.Column("purpose", sa.String(100), nullable=False),
        sa.Column("fields", sa.JSON, nullable=False),
        sa.Column("case_count", sa.Integer, nullable=False),
        sa.Column("case_ranges", sa.JSON, nullable=False),
    )
    md.create_all(bind, checkfirst=True)


def upgrade() -> None:
    create_tables(op.get_bind())


def downgrade() -> None:
    for name in ("register_reads", "events", "cases"):
        op.drop_table(name)
