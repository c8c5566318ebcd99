"""The database schema: one `MetaData` with every table fieldpilot stores.

Mutable tables carry a `version` column that the ORM checks on UPDATE and DELETE (optimistic
concurrency). Keys between aggregates (an order's customer, site, technician) are not foreign keys:
the service layer checks them, as the in-memory store does; only the append-only order history
points at its order. Times are `UtcDateTime`; value objects are JSON (`types.JsonCoded`).

The Alembic migrations in `storage/migrations/` must create exactly this; a test compares them.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.ext.mutable import MutableDict, MutableList
from sqlalchemy.types import TypeEngine

from fieldpilot.domain.values import Channel, CustomerTier, Priority, Role
from fieldpilot.domain.work_order import DispatchMode, OrderLock, OrderStatus
from fieldpilot.storage import codecs
from fieldpilot.storage.types import (
    EnumInt,
    EnumText,
    JsonCoded,
    UtcDateTime,
    json_codes,
    json_instants,
    json_list,
    json_plain,
    json_tuple,
)

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

KEY = String(64)
# Autoincrementing ids: BIGINT on PostgreSQL, INTEGER (the rowid alias) on SQLite.
ROW_ID = BigInteger().with_variant(Integer(), "sqlite")


def _version() -> Column[int]:
    return Column("version", Integer, nullable=False)


def _json_dict() -> TypeEngine[Any]:
    """A JSON object the domain changes in place (stock counts, skill levels, custom fields)."""
    return MutableDict.as_mutable(json_plain())


skills = Table(
    "skills",
    metadata,
    Column("code", KEY, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("description", Text, nullable=False),
    _version(),
)

technicians = Table(
    "technicians",
    metadata,
    Column("id", KEY, primary_key=True),
    Column("first_name", String(100), nullable=False),
    Column("last_name", String(100), nullable=False),
    Column("home_lat", Float, nullable=False),
    Column("home_lon", Float, nullable=False),
    Column("timezone", String(64), nullable=False),
    Column("skills", _json_dict(), nullable=False),
    Column(
        "certifications",
        json_tuple(codecs.certification_to_json, codecs.certification_from_json),
        nullable=False,
    ),
    Column("shifts", json_tuple(codecs.weekly_shift_to_json, codecs.weekly_shift_from_json), nullable=False),
    Column("absences", json_tuple(codecs.absence_to_json, codecs.absence_from_json), nullable=False),
    Column("van_stock", _json_dict(), nullable=False),
    Column("tools", json_codes(), nullable=False),
    Column("territories", json_codes(), nullable=False),
    Column("depot_id", KEY),
    Column("max_overtime_minutes", Integer, nullable=False),
    Column("user_id", KEY),
    Column("active", Boolean, nullable=False),
    _version(),
)

triage_rules = Table(
    "triage_rules",
    metadata,
    Column("id", KEY, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("service_type", KEY),
    Column("tier", EnumText(CustomerTier)),
    Column("keywords", JsonCoded(list, tuple), nullable=False),
    Column("priority", EnumInt(Priority)),
    # NULL: the rule does not set skills (an empty list would clear them).
    Column("required_skills", json_tuple(codecs.skill_requirement_to_json, codecs.skill_requirement_from_json)),
    Column("duration_minutes", Integer),
    Column("dispatch_mode", EnumText(DispatchMode)),
    _version(),
)

# The newest position each technician's device reported (pings never touch the technician row).
technician_positions = Table(
    "technician_positions",
    metadata,
    Column("technician_id", KEY, primary_key=True),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("at", UtcDateTime, nullable=False),
)

customers = Table(
    "customers",
    metadata,
    Column("id", KEY, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("tier", EnumText(CustomerTier), nullable=False),
    Column("email", String(320)),
    Column("phone", String(64)),
    Column("excluded_technicians", json_codes(), nullable=False),
    Column("required_technicians", json_codes(), nullable=False),
    _version(),
)

sites = Table(
    "sites",
    metadata,
    Column("id", KEY, primary_key=True),
    Column("customer_id", KEY, nullable=False, index=True),
    Column("name", String(200), nullable=False),
    Column("address", Text, nullable=False),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("access_notes", Text, nullable=False),
    Column("territory", String(64)),
    _version(),
)

assets = Table(
    "assets",
    metadata,
    Column("id", KEY, primary_key=True),
    Column("site_id", KEY, nullable=False, index=True),
    Column("model", String(200), nullable=False),
    Column("serial", String(200), nullable=False),
    Column("installed_on", Date),
    _version(),
)

parts = Table(
    "parts",
    metadata,
    Column("code", KEY, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("unit_cost_cents", Integer, nullable=False),
    _version(),
)

warehouses = Table(
    "warehouses",
    metadata,
    Column("id", KEY, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("lat", Float, nullable=False),
    Column("lon", Float, nullable=False),
    Column("stock", _json_dict(), nullable=False),
    _version(),
)

users = Table(
    "users",
    metadata,
    Column("id", KEY, primary_key=True),
    Column("username", String(150), nullable=False),
    Column("password_hash", String(255), nullable=False),
    Column("role", EnumText(Role), nullable=False),
    Column("full_name", String(200), nullable=False),
    Column("technician_id", KEY),
    Column("active", Boolean, nullable=False),
    _version(),
    UniqueConstraint("username"),
)

api_keys = Table(
    "api_keys",
    metadata,
    Column("id", KEY, primary_key=True),
    Column("name", String(200), nullable=False),
    Column("prefix", String(32), nullable=False),
    Column("secret_hash", String(255), nullable=False),
    Column("role", EnumText(Role), nullable=False),
    Column("created_at", UtcDateTime),
    Column("revoked", Boolean, nullable=False),
    # ApiKey has no version attribute; the ORM counts this one itself (mapped as `_row_version`).
    _version(),
    UniqueConstraint("prefix"),
)

sla_policies = Table(
    "sla_policies",
    metadata,
    Column("id", KEY, primary_key=True),
    Column("document", JsonCoded(codecs.sla_policy_to_json, codecs.sla_policy_from_json), nullable=False),
    _version(),
)

work_orders = Table(
    "work_orders",
    metadata,
    Column("id", KEY, primary_key=True),
    Column("customer_id", KEY, nullable=False, index=True),
    Column("site_id", KEY, nullable=False),
    Column("service_type", String(64), nullable=False),
    Column("created_at", UtcDateTime, nullable=False, index=True),
    Column("tracking_token", String(128), nullable=False),
    Column("description", Text, nullable=False),
    Column("channel", EnumText(Channel), nullable=False),
    Column("asset_id", KEY),
    Column(
        "required_skills",
        json_tuple(codecs.skill_requirement_to_json, codecs.skill_requirement_from_json),
        nullable=False,
    ),
    Column("required_parts", json_tuple(codecs.part_line_to_json, codecs.part_line_from_json), nullable=False),
    Column("required_tools", json_codes(), nullable=False),
    Column("estimated_duration_minutes", Integer, nullable=False),
    Column("priority", EnumInt(Priority), nullable=False),
    Column("time_window", JsonCoded(codecs.window_to_json, codecs.window_from_json)),
    Column("is_appointment", Boolean, nullable=False),
    Column("custom_fields", _json_dict(), nullable=False),
    Column("status", EnumText(OrderStatus), nullable=False, index=True),
    Column("technician_id", KEY),
    Column("planned_start", UtcDateTime),
    # planned_start + estimated_duration_minutes, kept in step on every flush, so that overlapping
    # bookings are found by an index range scan.
    Column("planned_end", UtcDateTime),
    Column("eta_window", JsonCoded(codecs.window_to_json, codecs.window_from_json)),
    Column("held_from", EnumText(OrderStatus)),
    Column("hold_reason", Text),
    Column("sla_policy_id", KEY),
    Column(
        "sla_log",
        MutableList.as_mutable(json_list(codecs.sla_log_entry_to_json, codecs.sla_log_entry_from_json)),
        nullable=False,
    ),
    Column("sla_state", String(32), nullable=False),
    Column("sla_next_deadline", UtcDateTime, index=True),
    Column("sla_risk_at", UtcDateTime),
    Column("sla_paused", Boolean, nullable=False),
    Column("milestones", MutableDict.as_mutable(json_instants()), nullable=False),
    Column("lock", EnumText(OrderLock), nullable=False, server_default="none"),
    Column("dispatch_mode", EnumText(DispatchMode), nullable=False, server_default="auto"),
    Column("offered_to", JsonCoded(list, tuple), nullable=False, server_default="[]"),
    Column("offer_expires_at", UtcDateTime),
    Column("rating", Integer),
    Column("rating_comment", Text),
    Column("updated_at", UtcDateTime),
    _version(),
    UniqueConstraint("tracking_token"),
    Index("ix_work_orders_technician_slot", "technician_id", "planned_start", "planned_end"),
)

order_history = Table(
    "order_history",
    metadata,
    Column("id", ROW_ID, primary_key=True, autoincrement=True),
    Column("order_id", KEY, ForeignKey("work_orders.id", ondelete="CASCADE"), nullable=False),
    Column("seq", Integer, nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("actor", String(200), nullable=False),
    Column("action", String(64), nullable=False),
    Column("from_status", EnumText(OrderStatus)),
    Column("to_status", EnumText(OrderStatus), nullable=False),
    Column("reason", Text, nullable=False),
    Column("technician_id", KEY),
    UniqueConstraint("order_id", "seq"),
)

idempotency = Table(
    "idempotency",
    metadata,
    Column("id", ROW_ID, primary_key=True, autoincrement=True),
    Column("scope", String(200), nullable=False),
    Column("key", String(255), nullable=False),
    Column("fingerprint", String(128), nullable=False),
    Column("resource_kind", String(64), nullable=False),
    Column("resource_id", String(128), nullable=False),
    Column("response", json_plain(), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    UniqueConstraint("scope", "key"),
)

outbox = Table(
    "outbox",
    metadata,
    Column("id", ROW_ID, primary_key=True, autoincrement=True),
    Column("name", String(100), nullable=False),
    Column("payload", json_plain(), nullable=False),
    Column("created_at", UtcDateTime, nullable=False),
    Column("published_at", UtcDateTime),
    Index("ix_outbox_pending", "published_at", "id"),
)

decisions = Table(
    "decisions",
    metadata,
    Column("id", KEY, primary_key=True),
    Column("order_id", KEY, nullable=False, index=True),
    Column("created_at", UtcDateTime, nullable=False),
    Column("kind", String(64), nullable=False),
    Column("body", json_plain(), nullable=False),
)

field_reports = Table(
    "field_reports",
    metadata,
    Column("id", KEY, primary_key=True),
    Column("order_id", KEY, nullable=False, index=True),
    Column("technician_id", KEY),
    Column("actor", String(200), nullable=False),
    Column("at", UtcDateTime, nullable=False),
    Column("notes", Text, nullable=False),
    Column("parts_used", json_plain(), nullable=False),
)

field_attachments = Table(
    "field_attachments",
    metadata,
    Column("id", KEY, primary_key=True),
    Column("order_id", KEY, nullable=False, index=True),
    Column("entry_id", KEY, ForeignKey("field_reports.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("media_type", String(64), nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("at", UtcDateTime, nullable=False),
)

alert_acks = Table(
    "alert_acks",
    metadata,
    Column("alert_id", String(200), primary_key=True),
    Column("actor", String(200), nullable=False),
    Column("name", String(200), nullable=False),
    Column("at", UtcDateTime, nullable=False),
)
