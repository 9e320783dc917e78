"""The case store's tables (SQLAlchemy Core).  One schema for SQLite and PostgreSQL; the
migrations in ``chatwarden/store/migrations`` create and evolve it (this module is what
they were generated from and what the tests compare them against).

Times are stored in UTC (``*_at`` columns, timezone-aware); message timestamps are the
export's local wall-clock time as written (``messages.timestamp``, naive).
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
metadata = MetaData(naming_convention=NAMING)
ID = BigInteger().with_variant(Integer(), "sqlite")  # SQLite: INTEGER PRIMARY KEY is the rowid


def _id() -> Column:
    return Column("id", ID, primary_key=True, autoincrement=True)


def _at(name: str, nullable: bool = True) -> Column:
    return Column(name, DateTime(timezone=True), nullable=nullable)


chats = Table(
    "chats", metadata, _id(),
    Column("key", String(64), nullable=False, unique=True),  # sha256 of the chat's identity
    Column("name", Text),
    Column("platform", String(16), nullable=False),
    Column("is_group", Boolean, nullable=False, default=False),
    Column("owner", Text),  # the account/device that exported it, when known
    _at("created_at", False),
    _at("updated_at", False),
    Column("message_count", Integer, nullable=False, default=0),
    Column("first_message_at", DateTime),
    Column("last_message_at", DateTime),
    Column("disposed", Boolean, nullable=False, default=False),
)

exports = Table(
    "exports", metadata, _id(),
    Column("chat_id", ID, ForeignKey("chats.id"), nullable=False, index=True),
    Column("sha256", String(64), nullable=False, unique=True),
    Column("file_name", Text, nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("platform", String(16), nullable=False),
    Column("date_order", String(3), nullable=False),
    Column("date_order_reason", String(16), nullable=False),
    Column("encoding", String(32), nullable=False),
    Column("chat_member", Text),
    Column("blob", String(64), nullable=False),  # sha256 of the stored original (content-addressed)
    Column("lines", Integer, nullable=False),
    Column("messages", Integer, nullable=False),
    Column("new_messages", Integer, nullable=False),
    Column("warnings", JSON, nullable=False),
    Column("captured_by", Text),
    Column("device", Text),
    Column("account", Text),
    _at("captured_at", False),
)

media = Table(
    "media", metadata, _id(),
    Column("export_id", ID, ForeignKey("exports.id"), nullable=False, index=True),
    Column("name", Text, nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("sha256", String(64), nullable=False, index=True),
    Column("referenced", Boolean, nullable=False),
)

participants = Table(
    "participants", metadata, _id(),
    Column("chat_id", ID, ForeignKey("chats.id"), nullable=False),
    Column("name", Text, nullable=False),
    Column("phone", String(32)),
    Column("messages", Integer, nullable=False, default=0),
    Column("seen_in", String(8), nullable=False),
    UniqueConstraint("chat_id", "name", name="uq_participants_chat_name"),
)

messages = Table(
    "messages", metadata, _id(),
    Column("chat_id", ID, ForeignKey("chats.id"), nullable=False),
    Column("identity", String(40), nullable=False),  # see store.messages.identity()
    Column("seq", BigInteger, nullable=False),  # chat order
    Column("timestamp", DateTime, nullable=False),
    Column("sender", Text),
    Column("sender_phone", String(32)),
    Column("kind", String(48), nullable=False),
    Column("text", Text, nullable=False),
    Column("edited", Boolean, nullable=False, default=False),
    Column("event", JSON),
    Column("attachments", JSON),
    Column("continuations", JSON),
    Column("export_id", ID, ForeignKey("exports.id"), nullable=False),
    Column("line", Integer, nullable=False),
    Column("disposed", Boolean, nullable=False, default=False),
    UniqueConstraint("chat_id", "identity", name="uq_messages_chat_identity"),
    Index("ix_messages_chat_seq", "chat_id", "seq"),
    Index("ix_messages_sender", "chat_id", "sender"),
)

scans = Table(
    "scans", metadata, _id(),
    Column("chat_id", ID, ForeignKey("chats.id"), nullable=False, index=True),
    Column("export_id", ID, ForeignKey("exports.id")),
    Column("kind", String(16), nullable=False),  # import | rescan | stream
    Column("policy_version", String(64), nullable=False),
    Column("detector_versions", JSON, nullable=False),
    Column("messages_scanned", Integer, nullable=False),
    Column("findings_new", Integer, nullable=False),
    Column("actor", Text),
    Column("run_id", String(36)),
    _at("started_at", False),
    _at("finished_at"),
)

findings = Table(
    "findings", metadata, _id(),
    Column("chat_id", ID, ForeignKey("chats.id"), nullable=False),
    Column("message_id", ID, ForeignKey("messages.id")),
    Column("scan_id", ID, ForeignKey("scans.id"), nullable=False),
    Column("rule", String(64), nullable=False),
    Column("title", Text, nullable=False),
    Column("category", String(32), nullable=False),
    Column("severity", String(8), nullable=False),
    Column("severity_rank", Integer, nullable=False),
    Column("score", Float, nullable=False),
    Column("span_start", Integer),
    Column("span_end", Integer),
    Column("subject", Text, nullable=False, default=""),  # chat-level findings: the participant concerned
    Column("anchor", String(32), nullable=False),  # message id, or "chat": part of the finding's identity
    Column("explanation", Text, nullable=False),
    Column("action", Text, nullable=False),
    Column("citation", JSON, nullable=False),
    Column("evidence", JSON, nullable=False),
    Column("policy_version", String(64), nullable=False),
    Column("status", String(16), nullable=False, default="open"),  # open|confirmed|dismissed|escalated|pending-second
    Column("case_id", ID, ForeignKey("cases.id")),
    _at("created_at", False),
    _at("updated_at", False),
    UniqueConstraint("chat_id", "anchor", "rule", "policy_version", "subject", name="uq_findings_identity"),
    Index("ix_findings_queue", "status", "severity_rank", "id"),
    Index("ix_findings_chat", "chat_id", "status"),
    Index("ix_findings_category", "category", "status"),
)

reviews = Table(
    "reviews", metadata, _id(),
    Column("finding_id", ID, ForeignKey("findings.id"), nullable=False, index=True),
    Column("action", String(24), nullable=False),  # confirm|dismiss|escalate|approve-dismissal|reject-dismissal|reopen
    Column("reason", Text),
    Column("actor_id", Text, nullable=False),
    Column("actor_name", Text, nullable=False),
    _at("at", False),
)

cases = Table(
    "cases", metadata, _id(),
    Column("ref", String(32), nullable=False, unique=True),
    Column("kind", String(32), nullable=False),  # misconduct-referral|data-protection-incident|supervisor-advice
    Column("title", Text, nullable=False),
    Column("status", String(16), nullable=False, default="open"),
    Column("assignee", Text),
    Column("opened_by", Text, nullable=False),
    _at("opened_at", False),
    _at("closed_at"),
    Column("outcome", Text),
    Column("legal_hold", Boolean, nullable=False, default=False),
    Column("hold_reason", Text),
    Column("regime", String(16)),  # general processing | DPA Part 3
)

case_notes = Table(
    "case_notes", metadata, _id(),
    Column("case_id", ID, ForeignKey("cases.id"), nullable=False, index=True),
    Column("author", Text, nullable=False),
    Column("text", Text, nullable=False),
    _at("at", False),
)

evidence_packages = Table(
    "evidence_packages", metadata, _id(),
    Column("case_id", ID, ForeignKey("cases.id"), nullable=False, index=True),
    Column("export_id", ID, ForeignKey("exports.id"), nullable=False),
    Column("path", Text, nullable=False),
    Column("manifest_sha256", String(64), nullable=False),
    Column("created_by", Text, nullable=False),
    _at("created_at", False),
    _at("exported_at"),
    Column("evidence_ref", Text),  # e.g. an Evidence.com / Axon id
    _at("uploaded_at"),
    Column("records_ref", Text),  # e.g. a CONNECT number
    _at("recorded_at"),
    Column("supervisor", Text),
    _at("supervisor_informed_at"),
)

custody = Table(
    "custody", metadata, _id(),
    Column("export_id", ID, ForeignKey("exports.id"), nullable=False, index=True),
    Column("package_id", ID, ForeignKey("evidence_packages.id")),
    Column("actor", Text, nullable=False),
    Column("action", String(48), nullable=False),
    Column("detail", Text, nullable=False),
    _at("at", False),
)

tombstones = Table(
    "tombstones", metadata, _id(),
    Column("subject_type", String(32), nullable=False),
    Column("subject_id", ID, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("reason", Text, nullable=False),
    Column("actor", Text, nullable=False),
    _at("disposed_at", False),
)

users = Table(
    "users", metadata, _id(),
    Column("username", String(64), nullable=False, unique=True),
    Column("display_name", Text, nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("roles", JSON, nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("failed_logins", Integer, nullable=False, default=0),
    _at("locked_until"),
    _at("created_at", False),
    _at("last_login_at"),
)

audit_log = Table(
    "audit_log", metadata, _id(),
    _at("at", False),
    Column("actor_id", Text, nullable=False),
    Column("actor_name", Text, nullable=False),
    Column("action", String(48), nullable=False),
    Column("subject_type", String(32), nullable=False),
    Column("subject_id", Text),
    Column("before", JSON),
    Column("after", JSON),
    Column("run_id", String(36)),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False, unique=True),
    Index("ix_audit_subject", "subject_type", "subject_id"),
    Index("ix_audit_actor", "actor_id"),
)

settings = Table(
    "settings", metadata,
    Column("key", String(64), primary_key=True),
    Column("value", JSON, nullable=False),
)
