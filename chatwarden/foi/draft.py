"""Draft FOI response letters, in the structure of the Met's responses (seeds 000, 001,
002): the reference; the request quoted; any clarification; the extent and result of the
searches; the decision, which is a section 17 refusal notice listing each exemption when
anything is withheld; the reasons for each exemption (harm, public interest test for
qualified exemptions, legitimate-interest test for s40(2), cost estimate for s12); the
disclosure list and any statistics tables; complaint rights (internal review, then the ICO).

The reasoning is template text from ``exemptions.yaml`` (data, not code), filled in with the
request's details.  A draft is a draft: an FOI officer reads, edits and signs it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from importlib import resources
from typing import Any

from jinja2 import Environment, StrictUndefined, UndefinedError

from chatwarden.errors import ConfigError, InputError
from chatwarden.foi.render import Bullets, Doc, Heading, Para, Quote, TableBlock, render_docx, render_html, render_pdf
from chatwarden.foi.stats import StatsResult

DECISIONS = {
    "full": "disclose the located information to you in full",
    "part": "disclose some of the requested information",
    "refuse": "withhold the requested information",
    "cost": "not comply with your request, because the cost of doing so would exceed the appropriate limit",
    "ncnd": "neither confirm nor deny whether the requested information is held",
    "not-held": "inform you that the requested information is not held",
}
EXEMPTION_KEYS = ("s31-1-a", "s31-1-g", "s40-2-staff", "s40-2-stats", "s12", "ncnd")
ALIASES = {"s31(1)(a)": "s31-1-a", "s31(1)(g)": "s31-1-g", "s31(1)(g)/(2)(b)": "s31-1-g", "s40(2)": "s40-2-staff",
           "s40(2)-stats": "s40-2-stats", "s12": "s12", "s12(1)": "s12", "s17(4)": "ncnd", "ncnd": "ncnd"}
COST_LIMIT_HOURS = 18
DRAFT_FORMATS = ("html", "docx", "pdf", "txt")


@lru_cache(maxsize=1)
def templates() -> dict[str, Any]:
    """The reasoning templates (strictly loaded: duplicate keys and YAML errors name the
    line)."""
    from chatwarden.yamlstrict import load_text

    text = resources.files("chatwarden.foi").joinpath("exemptions.yaml").read_text(encoding="utf-8")
    data, problems = load_text(text, "chatwarden/foi/exemptions.yaml")
    if problems:
        raise ConfigError("the FOI reasoning templates have problems", problems)
    needed = set(EXEMPTION_KEYS) | {"s17", "not-held", "complaint"}
    missing = needed - set(data)
    if missing:
        raise ConfigError("the FOI reasoning templates lack: " + ", ".join(sorted(missing)))
    return data


def exemption_key(name: str) -> str:
    key = name.strip().lower().replace(" ", "")
    key = ALIASES.get(key, key)
    if key not in EXEMPTION_KEYS:
        raise InputError(f"unknown exemption {name!r} (use one of: {', '.join(EXEMPTION_KEYS)}, "
                         "or s31(1)(a), s31(1)(g), s40(2), s12, ncnd)")
    return key


@dataclass
class DraftInput:
    """What a response letter needs.  ``exemptions``: keys of ``exemptions.yaml`` (or the
    aliases s31(1)(a), s31(1)(g), s40(2), s12, ncnd)."""

    ref: str
    received_on: date
    request_text: str
    decision: str = "full"
    exemptions: list[str] = field(default_factory=list)
    response_date: date | None = None
    requester: str = ""
    clarified_on: date | None = None
    clarification: str = ""
    searches: list[str] = field(default_factory=lambda: ["the Directorate of Professional Standards (DPS)"])
    found: bool = True
    disclosures: list[str] = field(default_factory=list)
    disclosure_note: str = ""
    point_of_note: str = ""
    withheld: str = "contact details (email addresses and telephone numbers) of MPS departments"
    seniority: str = ("Band A (including shadow band equivalents) and below, and police officers up to and "
                      "including the rank of Inspector")
    cost_hours: float | None = None
    cost_detail: str = ""
    handler_name: str = ""
    handler_role: str = "Freedom of Information Officer"
    force: str = "Metropolitan Police Service"
    short: str = "MPS"
    stats: StatsResult | None = None


def _env() -> Environment:
    return Environment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=False)


def _fill(text: str, ctx: dict[str, Any]) -> str:
    try:
        return _env().from_string(text).render(**ctx)
    except UndefinedError as exc:
        raise ConfigError(f"an FOI reasoning template uses an unknown placeholder ({exc.message})") from None


def _date(d: date) -> str:
    return f"{d.day} {d:%B %Y}"


def build(inp: DraftInput, *, threshold: int = 5, marker: str = "*") -> Doc:
    """The letter as a document (render it with :func:`render`)."""
    if inp.decision not in DECISIONS:
        raise InputError(f"decision must be one of {', '.join(DECISIONS)}")
    keys = list(dict.fromkeys(exemption_key(e) for e in inp.exemptions))
    if inp.decision == "cost" and "s12" not in keys:
        keys.insert(0, "s12")
    if inp.decision == "ncnd" and "ncnd" not in keys:
        keys.insert(0, "ncnd")
    if inp.decision in ("part", "refuse") and not keys:
        raise InputError("a partial or full refusal must name at least one exemption")
    if "s12" in keys and inp.cost_hours is None:
        raise InputError("a section 12 refusal needs the estimated hours (cost_hours)")
    if inp.cost_hours is not None and "s12" in keys and inp.cost_hours <= COST_LIMIT_HOURS:
        raise InputError(f"the estimate ({inp.cost_hours:g} hours) is within the {COST_LIMIT_HOURS}-hour limit: "
                         "section 12 does not apply")
    t = templates()
    ctx = {"force": inp.force, "short": inp.short, "withheld": inp.withheld, "seniority": inp.seniority,
           "threshold": threshold, "marker": marker, "limit_hours": COST_LIMIT_HOURS,
           "cost_hours": f"{inp.cost_hours:g}" if inp.cost_hours is not None else "",
           "cost_detail": inp.cost_detail, "subject": ""}
    when = inp.response_date or date.today()
    doc = Doc(f"Freedom of Information request {inp.ref}",
              footer=f"Freedom of Information request reference no: {inp.ref}. DRAFT for review.")
    doc.add(Heading(f"Freedom of Information request reference no: {inp.ref}", 1),
            Para(_date(when)),
            Para(f"Dear {inp.requester}" if inp.requester.strip() else "Dear Requester"),
            Para(f"I write in connection with your request for information which was received by the {inp.force} "
                 f"({inp.short}) on {_date(inp.received_on)}. I note you seek access to the following information:"),
            Quote(inp.request_text.strip()))
    if inp.clarified_on or inp.clarification.strip():
        on = f"On {_date(inp.clarified_on)}, w" if inp.clarified_on else "W"
        doc.add(Para(f"{on}e discussed your request. {inp.clarification.strip()}".strip()))
    doc.add(Heading("EXTENT OF SEARCHES TO LOCATE INFORMATION", 2),
            Para("To locate the information relevant to your request, searches were conducted at "
                 + _join(inp.searches) + "."),
            Heading("RESULT OF SEARCHES", 2),
            Para("The searches located information relevant to your request." if inp.found
                 else "The searches did not locate information relevant to your request."))
    doc.add(Heading("DECISION", 2))
    withholding = inp.decision in ("part", "refuse", "cost", "ncnd") or bool(keys)
    decision_text = f"I have today decided to {DECISIONS[inp.decision]}."
    if withholding:
        decision_text += (" This response serves as a Refusal Notice under Section 17 of the Freedom of Information "
                          "Act 2000 (the Act) by virtue of the following:")
        doc.add(Para(decision_text),
                Bullets(tuple([t["s17"]["title"]] + [t[k]["title"] for k in keys])))
    else:
        doc.add(Para(decision_text))
    if keys:
        doc.add(Heading("REASONS FOR DECISION", 2))
        for k in keys:
            entry = t[k]
            doc.add(Heading(entry["heading"], 3))
            for p in entry.get("paragraphs", []):
                doc.add(Para(_fill(p, ctx)))
            for p in entry.get("harm", []):
                doc.add(Para(_fill(p, ctx)))
            pit = entry.get("public_interest")
            if pit:
                doc.add(Para("Public interest test", bold=True),
                        Para("Factors favouring disclosure:"),
                        Bullets(tuple(_fill(x, ctx) for x in pit.get("for", []))),
                        Para("Factors favouring non-disclosure:"),
                        Bullets(tuple(_fill(x, ctx) for x in pit.get("against", []))),
                        Para("Balance test: " + _fill(pit.get("balance", ""), ctx)))
    if inp.disclosures or inp.stats is not None:
        doc.add(Heading("DISCLOSURE", 2))
        if inp.disclosures:
            doc.add(Bullets(tuple(inp.disclosures), numbered=True))
        if inp.disclosure_note.strip():
            doc.add(Para(inp.disclosure_note.strip()))
        if inp.stats is not None:
            _add_stats(doc, inp.stats)
    if inp.point_of_note.strip():
        doc.add(Para("POINT OF NOTE - " + inp.point_of_note.strip()))
    c = t["complaint"]
    doc.add(Heading(c["heading"], 2))
    for p in c["paragraphs"]:
        doc.add(Para(_fill(p, ctx)))
    doc.add(Para("Yours sincerely"))
    sign = [x for x in (inp.handler_name.strip(), inp.handler_role.strip()) if x]
    for s in sign:
        doc.add(Para(s))
    return doc


def _join(items: list[str]) -> str:
    items = [i.strip() for i in items if i.strip()]
    if not items:
        return "the relevant business areas"
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " and " + items[-1]


def _add_stats(doc: Doc, stats: StatsResult) -> None:
    doc.add(Para(f"{stats.title}, {stats.period}. The figures are presented so that no individual can be "
                 "identified."))
    names = {"officers": "Police officer data", "staff": "Police staff data", "findings": "Monitoring findings"}
    for pop, tables in stats.tables.items():
        doc.add(Heading(names.get(pop, pop), 3))
        if not tables:
            doc.add(Para("No cases were recorded in the period."))
        for tb in tables:
            if tb.withheld:
                doc.add(Para(f"{tb.title}: withheld, because the numbers are too small to publish without "
                             "identifying people."))
                continue
            doc.add(TableBlock(tuple(tb.header()), tuple(tuple(r) for r in tb.body()), tb.title))
    for n in stats.notes:
        doc.add(Para(n, small=True))


def render(inp: DraftInput, fmt: str, *, threshold: int = 5, marker: str = "*") -> bytes:
    doc = build(inp, threshold=threshold, marker=marker)
    if fmt == "html":
        return render_html(doc).encode("utf-8")
    if fmt == "docx":
        return render_docx(doc)
    if fmt == "pdf":
        return render_pdf(doc)
    if fmt == "txt":
        return doc.plain_text().encode("utf-8")
    raise InputError(f"unknown format {fmt!r} (use {', '.join(DRAFT_FORMATS)})")
