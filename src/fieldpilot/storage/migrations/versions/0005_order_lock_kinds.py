"""A dispatcher's lock has a kind: none, assignment (technician and sequence) or time (and start).

Replaces the boolean `locked` of 0004: a locked order becomes an assignment lock, and back.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 10:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("work_orders") as batch:
        batch.add_column(sa.Column("lock", sa.String(length=32), nullable=False, server_default="none"))
    orders = sa.table("work_orders", sa.column("locked", sa.Boolean()), sa.column("lock", sa.String(32)))
    op.execute(orders.update().where(orders.c.locked.is_(True)).values(lock="assignment"))
    with op.batch_alter_table("work_orders") as batch:
        batch.drop_column("locked")


def downgrade() -> None:
    with op.batch_alter_table("work_orders") as batch:
        batch.add_column(sa.Column("locked", sa.Boolean(), nullable=False, server_default=sa.false()))
    orders = sa.table("work_orders", sa.column("locked", sa.Boolean()), sa.column("lock", sa.String(32)))
    op.execute(orders.update().where(orders.c.lock != "none").values(locked=True))
    with op.batch_alter_table("work_orders") as batch:
        batch.drop_column("lock")
