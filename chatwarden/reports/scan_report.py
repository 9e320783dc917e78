"""A self-contained HTML report of one scan: findings grouped by rule with the surrounding
conversation, counts per category and an activity chart.  No scripts, no external
resources: it can be e-mailed or attached to a case as it is."""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date

from jinja2 import Environment, PackageLoader, select_autoescape

from chatwarden import __version__
from chatwarden.policy.rules import CATEGORIES, SEVERITY_RANK

CONTEXT = 2


def _env() -> Environment:
    env = Environment(loader=PackageLoader("chatwarden.reports", "templates"),
                      autoescape=select_autoescape(["html", "j2"]), trim_blocks=True, lstrip_blocks=True)
    return env


def activity(messages) -> list[tuple[str, int, int]]:
    """(day, messages, flagged) per day for the chart."""
    per_day: Counter[date] = Counter(m.timestamp.date() for m in messages)
    return [(d.isoformat(), n, 0) for d, n in sorted(per_day.items())]


def render_scan_html(result, *, title: str | None = None) -> str:
    messages = result.messages
    by_index = {m.index: m for m in messages}
    groups: dict[str, list] = defaultdict(list)
    for d in result.decisions:
        groups[d.rule].append(d)
    flagged_days: Counter[str] = Counter()
    sections = []
    for rule_id, decisions in sorted(groups.items(), key=lambda kv: (-SEVERITY_RANK[kv[1][0].severity], kv[0])):
        first = decisions[0]
        items = []
        for d in decisions:
            ctx = []
            if d.message_index is not None:
                lo, hi = d.message_index - CONTEXT, d.message_index + CONTEXT
                ctx = [by_index[i] for i in range(lo, hi + 1) if i in by_index]
                flagged_days[by_index[d.message_index].timestamp.date().isoformat()] += 1
            items.append({"decision": d, "context": ctx})
        sections.append({"rule": rule_id, "title": first.title, "category": first.category,
                         "severity": first.severity, "citation": first.citation, "action": first.action,
                         "entries": items})
    days = activity(messages)
    peak = max((n for _, n, _ in days), default=1) or 1
    bars = [{"day": d, "n": n, "flagged": flagged_days.get(d, 0), "h": round(100 * n / peak, 1),
             "fh": round(100 * flagged_days.get(d, 0) / peak, 1)} for d, n, _ in days]
    counts = Counter(d.category for d in result.decisions)
    severities = Counter(d.severity for d in result.decisions)
    return _env().get_template("scan_report.html.j2").render(
        title=title or f"chatwarden scan: {result.chat.name or 'chat'}",
        chat=result.chat, messages=messages, warnings=result.warnings, sections=sections,
        categories=[(c, counts.get(c, 0)) for c in CATEGORIES if counts.get(c, 0) or c in CATEGORIES[:8]],
        severities=severities, bars=bars, total=len(result.decisions), version=__version__,
        policy_version=result.policy_version, detectors=result.detector_versions,
    )
