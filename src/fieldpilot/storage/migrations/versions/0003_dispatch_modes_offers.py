"""Dispatch modes (auto / offer / manual) per order and per triage rule; offers with expiry.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 09:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    json = sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True), "postgresql")
    with op.batch_alter_table("work_orders") as batch:
        batch.add_column(sa.Column("dispatch_mode", sa.String(length=32), nullable=False, server_default="auto"))
        batch.add_column(sa.Column("offered_to", json, nullable=False, server_default="[]"))
        batch.add_column(sa.Column("offer_expires_at", sa.DateTime(timezone=True), nullable=True))
    with op.batch_alter_table("triage_rules") as batch:
        batch.add_column(sa.Column("dispatch_mode", sa.String(length=32), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("triage_rules") as batch:
        batch.drop_column("dispatch_mode")
    with op.batch_alter_table("work_orders") as batch:
        batch.drop_column("offer_expires_at")
        batch.drop_column("offered_to")
        batch.drop_column("dispatch_mode")
