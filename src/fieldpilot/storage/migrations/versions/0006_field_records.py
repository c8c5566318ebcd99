"""Field reports (notes, parts used), their photos and signatures, and alert acknowledgements.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 11:00:00
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine[Any]:
    return sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")


def upgrade() -> None:
    op.create_table(
        "field_reports",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("technician_id", sa.String(length=64), nullable=True),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("notes", sa.Text(), nullable=False),
        sa.Column("parts_used", _json(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_field_reports")),
    )
    op.create_index(op.f("ix_field_reports_order_id"), "field_reports", ["order_id"])
    op.create_table(
        "field_attachments",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("order_id", sa.String(length=64), nullable=False),
        sa.Column("entry_id", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("media_type", sa.String(length=64), nullable=False),
        sa.Column("data", sa.LargeBinary(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["entry_id"],
            ["field_reports.id"],
            name=op.f("fk_field_attachments_entry_id_field_reports"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_field_attachments")),
    )
    op.create_index(op.f("ix_field_attachments_order_id"), "field_attachments", ["order_id"])
    op.create_table(
        "alert_acks",
        sa.Column("alert_id", sa.String(length=200), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("alert_id", name=op.f("pk_alert_acks")),
    )


def downgrade() -> None:
    op.drop_table("alert_acks")
    op.drop_index(op.f("ix_field_attachments_order_id"), table_name="field_attachments")
    op.drop_table("field_attachments")
    op.drop_index(op.f("ix_field_reports_order_id"), table_name="field_reports")
    op.drop_table("field_reports")
