"""Named permission actions and the roles that hold them: the one place authorisation is
defined.  Use cases call :func:`require`; every web route declares the action it needs
(a test fails if one does not); docs/permissions.md lists them (checked by a test).

Roles follow the people who use chatwarden: an officer checking their own drafts, first-
line reviewers, supervisors, Professional Standards, the Information Assurance unit / Data
Office, FOI officers and administrators.
"""

from __future__ import annotations

from chatwarden.errors import PermissionDenied
from chatwarden.model import Actor

ACTIONS: dict[str, str] = {
    "self.check": "check a draft message against the guidance before sending it",
    "dashboard.view": "see the dashboard (counts, trends, outstanding work)",
    "chat.import": "upload or import an export",
    "chat.view": "list chats and people and their finding history",
    "chat.rescan": "re-evaluate stored messages with the current policy",
    "message.view": "read message text (every read is audited)",
    "finding.view": "see the review queue and findings",
    "finding.review": "confirm, dismiss or escalate a finding",
    "finding.approve": "give the second approval that dismissing a high-severity finding needs",
    "finding.unmask": "see participants' names when first-line review is pseudonymised",
    "case.view": "see cases",
    "case.manage": "open cases, assign them, add notes, close them",
    "case.hold": "place or lift a legal hold (CPIA) on a case",
    "evidence.build": "build an evidence package for a case",
    "evidence.download": "download an evidence package",
    "evidence.handoff": "record hand-offs: uploaded, recorded, supervisor informed",
    "audit.view": "read the audit trail and its chain status",
    "retention.run": "run retention (disposal) and see what it would remove",
    "register.view": "see the governance registers",
    "register.edit": "change the governance registers",
    "incident.report": "report a security incident",
    "incident.manage": "manage security incidents and their clocks",
    "misconduct.view": "see misconduct cases",
    "misconduct.edit": "record and update misconduct cases",
    "foi.use": "produce FOI statistics, redactions and response drafts",
    "user.manage": "create users and assign roles",
    "monitor.view": "see streaming-monitor status and metrics",
    "session.use": "sign in to the web app or API, see one's own account, read the API description, sign out",
}

_ALL = frozenset(ACTIONS)
_REVIEW = {"dashboard.view", "chat.view", "message.view", "finding.view", "finding.review", "case.view",
           "self.check", "incident.report", "chat.import"}
ROLES: dict[str, frozenset[str]] = {
    "officer": frozenset({"self.check", "incident.report"}),
    "reviewer": frozenset(_REVIEW),
    "supervisor": frozenset(_REVIEW | {"finding.approve", "finding.unmask", "case.manage", "evidence.build",
                                       "evidence.download", "evidence.handoff", "chat.rescan", "register.view"}),
    "professional-standards": frozenset(_REVIEW | {"finding.approve", "finding.unmask", "case.manage", "case.hold",
                                                   "evidence.build", "evidence.download", "evidence.handoff",
                                                   "misconduct.view", "misconduct.edit", "audit.view",
                                                   "register.view"}),
    "data-office": frozenset({"dashboard.view", "chat.view", "finding.view", "case.view", "case.hold",
                              "audit.view", "retention.run", "register.view", "register.edit", "incident.report",
                              "incident.manage", "self.check", "monitor.view", "evidence.download"}),
    "foi-officer": frozenset({"dashboard.view", "foi.use", "self.check", "misconduct.view", "register.view"}),
    "administrator": _ALL,
}
# Every role holds a session: signing in and out and reading the API description need no more.
ROLES = {role: acts | {"session.use"} for role, acts in ROLES.items()}
PSEUDONYMISED_ROLES = frozenset({"reviewer"})


def allowed(actor: Actor, action: str) -> bool:
    if action not in ACTIONS:
        raise KeyError(f"unregistered permission action {action!r}")
    if "system" in actor.roles:
        return True
    return any(action in ROLES.get(role, ()) for role in actor.roles)


def require(actor: Actor, action: str) -> None:
    if not allowed(actor, action):
        holders = sorted(r for r, acts in ROLES.items() if action in acts)
        raise PermissionDenied(f"permission denied: '{action}' ({ACTIONS[action]}) needs one of the roles: "
                               + ", ".join(holders))
