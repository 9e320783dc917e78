"""The officer's self-check: paste a draft, see whether and why it would breach the guidance
before sending it.  Nothing typed here is stored or logged."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from fastapi.responses import Response

from chatwarden.model import Actor
from chatwarden.web.render import is_htmx, page
from chatwarden.web.routes.common import analyzer_of
from chatwarden.web.security import needs

router = APIRouter(include_in_schema=False)
MAX_DRAFT = 10_000


def check_drafts(request: Request, texts: list[str]) -> list[list[dict]]:
    from chatwarden.errors import InputError

    if any(len(t) > MAX_DRAFT for t in texts):
        raise InputError(f"a draft may be at most {MAX_DRAFT} characters")
    results = analyzer_of(request).check(texts)
    return [
        [
            {
                "rule": d.rule,
                "title": d.title,
                "category": d.category,
                "severity": d.severity,
                "span": None if d.span is None else [d.span.start, d.span.end],
                "explanation": d.explanation,
                "action": d.action,
                "citation": {"document": d.citation.document, "section": d.citation.section, "quote": d.citation.quote},
            }
            for d in decisions
        ]
        for decisions in results
    ]


@router.get("/self-check")
def self_check_form(request: Request, actor: Annotated[Actor, needs("self.check")]) -> Response:
    return page(request, "selfcheck.html", draft="", result=None)


@router.post("/self-check")
def self_check(
    request: Request, actor: Annotated[Actor, needs("self.check")], draft: Annotated[str, Form()] = ""
) -> Response:
    result = check_drafts(request, [draft])[0] if draft.strip() else None
    parts = _highlight(draft, result or [])
    if is_htmx(request):
        return page(request, "_check_result.html", draft=draft, result=result, parts=parts)
    return page(request, "selfcheck.html", draft=draft, result=result, parts=parts)


def _highlight(text: str, findings: list[dict]) -> list[tuple[str, bool]]:
    """The draft cut into (piece, flagged) for marking what the detectors matched."""
    marks = sorted({tuple(f["span"]) for f in findings if f["span"]})
    out: list[tuple[str, bool]] = []
    pos = 0
    for start, end in marks:
        start, end = max(start, pos), min(end, len(text))
        if start >= end:
            continue
        out.append((text[pos:start], False))
        out.append((text[start:end], True))
        pos = end
    out.append((text[pos:], False))
    return [p for p in out if p[0]]
