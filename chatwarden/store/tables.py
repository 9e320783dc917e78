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
    Date,
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
    Column("event", JSON(none_as_null=True)),
    Column("attachments", JSON(none_as_null=True)),
    Column("continuations", JSON(none_as_null=True)),
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

# ------------------------------------------------------------------------------------------
# Governance registers (004 Set Up and Configuration; 003 FAQ 9 and 19) and misconduct
# ------------------------------------------------------------------------------------------
approved_apps = Table(
    "approved_apps", metadata, _id(),
    Column("app", String(64), nullable=False),  # e.g. "WhatsApp", "Signal", "BBM Enterprise"
    Column("kind", String(16), nullable=False),  # corporate (MAAM) | local (Superintendent/Director)
    Column("unit", Text),  # local authorisations: the business unit
    Column("purpose", Text, nullable=False),
    Column("approver", Text, nullable=False),
    Column("approver_role", Text, nullable=False),  # "Mobile Applications Approvals Meeting", "Superintendent", ...
    Column("start_date", Date, nullable=False),
    Column("expiry_date", Date),
    Column("reference", Text),
    Column("revoked", Boolean, nullable=False, default=False),
    _at("created_at", False),
    _at("updated_at", False),
    Index("ix_approved_apps_app", "app"),
)

devices = Table(
    "devices", metadata, _id(),
    Column("device_id", String(128), nullable=False, unique=True),
    Column("issued", Boolean, nullable=False, default=True),  # False: a personal device used for policing
    Column("person", Text, nullable=False),
    Column("staff_number", String(32)),
    Column("rank_role", Text),
    Column("unit", Text),
    Column("phone", String(32)),
    Column("apps", JSON, nullable=False),  # [{"name": ..., "version": ...}]
    Column("wa_profile_name", Text),
    Column("wa_photo_hash", String(64)),  # perceptual hash of the profile photo (hex)
    Column("wa_group_add", String(24)),  # everyone | contacts | contacts-except | nobody
    Column("wa_default_timer_days", Float),
    Column("wa_save_to_camera_roll", Boolean),
    Column("wa_last_seen", String(16)),  # everyone | contacts | nobody
    Column("wa_read_receipts", Boolean),
    Column("wa_about", Text),
    Column("on_leave", Boolean, nullable=False, default=False),
    Column("source", Text),
    _at("updated_at", False),
)

groups = Table(
    "groups", metadata, _id(),
    Column("name", Text, nullable=False),
    Column("purpose", Text, nullable=False),
    Column("owner", Text),
    Column("admins", JSON, nullable=False),
    Column("chat_id", ID, ForeignKey("chats.id")),
    _at("last_validated_at"),
    _at("created_at", False),
    _at("updated_at", False),
    UniqueConstraint("name", name="uq_groups_name"),
)

group_members = Table(
    "group_members", metadata, _id(),
    Column("group_id", ID, ForeignKey("groups.id"), nullable=False, index=True),
    Column("name", Text, nullable=False),
    Column("phone", String(32)),
    Column("role", String(16), nullable=False),  # police | partner | public
    Column("consent_date", Date),
    Column("consent_ref", Text),  # where the consent is recorded (Outlook item, system ref)
    Column("left_on", Date),
    Column("leaver", Boolean, nullable=False, default=False),  # has left the force/role: should leave
    UniqueConstraint("group_id", "name", name="uq_group_members_group_name"),
)

incidents = Table(
    "incidents", metadata, _id(),
    Column("ref", String(32), nullable=False, unique=True),
    Column("title", Text, nullable=False),
    Column("description", Text, nullable=False),
    _at("occurred_at"),
    _at("aware_at", False),  # the clocks run from awareness
    _at("reported_at"),  # to the Information Assurance Unit / Data Office (12 hours)
    Column("reporter", Text, nullable=False),
    Column("data_involved", Text),
    Column("systems_involved", Text),
    Column("people_affected", Integer),
    Column("personal_data", Boolean, nullable=False, default=False),
    Column("risk", String(16)),  # unlikely | possible | likely | high
    Column("ico_decision", String(16)),  # notify | not-notify
    Column("ico_decision_reason", Text),
    _at("ico_notified_at"),
    Column("status", String(16), nullable=False, default="open"),  # open | reported | closed
    Column("owner", Text),
    Column("finding_id", ID, ForeignKey("findings.id")),
    _at("created_at", False),
    _at("updated_at", False),
)

misconduct_cases = Table(
    "misconduct_cases", metadata, _id(),
    Column("ref", String(32), nullable=False, unique=True),
    Column("subject", Text, nullable=False),  # the officer or member of staff
    Column("subject_type", String(8), nullable=False),  # officer | staff
    Column("rank_or_band", String(32), nullable=False),
    Column("unit", Text),
    Column("gender", String(16)),
    Column("platform", String(16), nullable=False),  # whatsapp | other-im | social-media
    Column("categories", JSON, nullable=False),  # content categories of the allegation
    Column("standards", JSON, nullable=False),  # Standards of Professional Behaviour engaged
    Column("regime", String(4), nullable=False),  # 2012 | 2020
    Column("stage", String(24), nullable=False),  # assessment | investigation | meeting | hearing | rprp | closed
    Column("outcome", String(40)),
    Column("recorded_on", Date, nullable=False),
    Column("decided_on", Date),
    Column("warning_expires_on", Date),
    Column("challenged_by", Text),
    Column("reported_by", Text),
    Column("finding_ids", JSON, nullable=False),
    Column("case_id", ID, ForeignKey("cases.id")),
    Column("package_ids", JSON, nullable=False),
    _at("created_at", False),
    _at("updated_at", False),
)

foi_requests = Table(
    "foi_requests", metadata, _id(),
    Column("ref", String(32), nullable=False, unique=True),
    Column("received_on", Date, nullable=False),
    Column("due_on", Date, nullable=False),  # 20 working days (England & Wales bank holidays)
    Column("subject", Text, nullable=False),
    Column("request_text", Text, nullable=False),
    Column("status", String(16), nullable=False, default="open"),  # open | responded | withdrawn
    Column("exemptions", JSON, nullable=False),
    Column("responded_on", Date),
    Column("handler", Text),
    _at("created_at", False),
    _at("updated_at", False),
)

# ------------------------------------------------------------------------------------------
# Web app (issue 5): sign-in sessions and API tokens.  Only SHA-256 digests of the secrets
# are stored; the secrets themselves live in the browser's cookie or the API client.
# ------------------------------------------------------------------------------------------
web_sessions = Table(
    "web_sessions", metadata, _id(),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("user_id", ID, ForeignKey("users.id"), nullable=False, index=True),
    Column("csrf_token", String(64), nullable=False),
    _at("created_at", False),
    _at("last_seen_at", False),
    _at("expires_at", False),
)

api_tokens = Table(
    "api_tokens", metadata, _id(),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("user_id", ID, ForeignKey("users.id"), nullable=False, index=True),
    Column("label", Text, nullable=False),
    _at("created_at", False),
    _at("last_used_at"),
    Column("revoked", Boolean, nullable=False, default=False),
)

# The review queue's order (most severe first, newest first within a severity: both keys
# descending), so that a page of the queue is read by walking an index backwards and stops
# after the page instead of sorting every open finding.  Every key ascending: an index with
# mixed directions cannot be walked in that order (migration 0005).  The unfiltered queue uses
# ix_findings_queue (status, severity_rank, id) above.
Index("ix_findings_queue_severity", findings.c.status, findings.c.severity, findings.c.severity_rank, findings.c.id)
Index("ix_findings_queue_category", findings.c.status, findings.c.category, findings.c.severity_rank, findings.c.id)
Index("ix_findings_rank_order", findings.c.severity_rank, findings.c.id)

# ------------------------------------------------------------------------------------------
# Streaming intake (issue 8): where each streamed message came from.  One row per stored
# message that arrived as an envelope (monitor, back-scan load); the message itself is in
# ``messages`` with ``identity`` = sha1(source, account, platform message id), which is what
# makes a redelivery a no-op.
# ------------------------------------------------------------------------------------------
stream_messages = Table(
    "stream_messages", metadata, _id(),
    Column("message_id", ID, ForeignKey("messages.id"), nullable=False, unique=True),
    Column("chat_id", ID, ForeignKey("chats.id"), nullable=False, index=True),
    Column("source", String(64), nullable=False),  # connector name from the envelope
    Column("account", Text, nullable=False),  # capturing account / business number id
    Column("device", Text),
    Column("platform_id", Text, nullable=False),  # the platform's message id (e.g. a wamid)
    Column("envelope_sha256", String(64), nullable=False),  # hash of the envelope bytes as received
    Column("intake_ref", String(64)),  # Redis stream id or Kafka partition:offset, or "backscan"
    Column("attachment_refs", JSON),  # retrieval references of the attachments, in order
    _at("sent_at", False),  # the envelope's timestamp, in UTC
    _at("received_at"),  # when the connector received it, when it says
    _at("stored_at", False),
)
