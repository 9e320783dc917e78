"""Server-side rendering: one Jinja2 environment (autoescaped), the page helper, SVG charts
and the generic error page."""

from __future__ import annotations

import html
from datetime import date, datetime
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup

from chatwarden import __version__
from chatwarden.model import Actor
from chatwarden.permissions import allowed

SEVERITIES = ("low", "medium", "high", "critical")

# (href, label, action needed, action that hides it: those who hold it have a better entry)
NAV: tuple[tuple[str, str, str, str | None], ...] = (
    ("/dashboard", "Dashboard", "dashboard.view", None),
    ("/review", "Review queue", "finding.view", None),
    ("/cases", "Cases", "case.view", None),
    ("/chats", "Chats", "chat.view", None),
    ("/people", "People", "chat.view", None),
    ("/upload", "Upload", "chat.import", None),
    ("/registers", "Registers", "register.view", None),
    ("/incidents", "Incidents", "incident.manage", None),
    ("/incidents/report", "Report an incident", "incident.report", "incident.manage"),
    ("/misconduct", "Misconduct", "misconduct.view", None),
    ("/foi/requests", "FOI", "foi.use", None),
    ("/audit", "Audit", "audit.view", None),
    ("/self-check", "Self-check", "self.check", None),
    ("/admin/users", "Users", "user.manage", None),
)


def active_nav(path: str, hrefs: list[str]) -> str | None:
    """The navigation entry a page belongs to: the longest entry that is a prefix of the
    path, else the entry of the same first path segment (``/foi/statistics`` is FOI's)."""
    best = None
    for href in hrefs:
        if (path == href or path.startswith(href.rstrip("/") + "/")) and (best is None or len(href) > len(best)):
            best = href
    if best is None and path.count("/") >= 1:
        first = "/" + path.strip("/").split("/")[0]
        best = next((h for h in hrefs if h == first or h.startswith(first + "/")), None)
    return best


def _fmt_dt(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M" if value.tzinfo is None else "%Y-%m-%d %H:%M UTC")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _fmt_london(value: Any) -> str:
    """An instant in London time, ``Sun 30/03/2025 13:30 BST`` (the registers' display)."""
    if not isinstance(value, datetime):
        return "" if value is None else str(value)
    from chatwarden.registers.clocks import show

    return show(value)


def _fmt_date(value: Any) -> str:
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.strftime("%d/%m/%Y")
    return "" if value is None else str(value)


def make_env() -> Environment:
    env = Environment(
        loader=PackageLoader("chatwarden.web", "templates"),
        autoescape=select_autoescape(default=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["dt"] = _fmt_dt
    env.filters["london"] = _fmt_london
    env.filters["ddmmyyyy"] = _fmt_date
    env.globals["version"] = __version__
    env.globals["SEVERITIES"] = SEVERITIES
    return env


def page(request: Request, template: str, http_status: int = 200, **ctx: Any) -> HTMLResponse:
    actor: Actor | None = getattr(request.state, "actor", None)
    env: Environment = request.app.state.templates

    def can(action: str) -> bool:
        return actor is not None and allowed(actor, action)

    nav = [
        (href, label) for href, label, action, hidden_by in NAV if can(action) and not (hidden_by and can(hidden_by))
    ]
    body = env.get_template(template).render(
        request=request,
        actor=actor,
        can=can,
        csrf=getattr(request.state, "csrf", None) or "",
        nav=nav,
        nav_active=active_nav(request.url.path, [h for h, _ in nav]),
        path=request.url.path,
        **ctx,
    )
    return HTMLResponse(body, status_code=http_status)


def is_htmx(request: Request) -> bool:
    return request.headers.get("hx-request") == "true"


# ------------------------------------------------------------------------------ charts
def bar_chart(
    rows: list[tuple[str, dict[str, int]]],
    *,
    series: tuple[str, ...],
    width: int = 640,
    height: int = 180,
    title: str = "",
) -> Markup:
    """A stacked bar chart as inline SVG (presentation attributes and CSS classes only:
    no scripts, no style attributes)."""
    n = max(1, len(rows))
    top = max((sum(v.get(s, 0) for s in series) for _, v in rows), default=0) or 1
    pad_l, pad_b, pad_t = 36, 34, 10
    plot_h = height - pad_b - pad_t
    bw = (width - pad_l - 8) / n
    parts = [
        (
            f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
            f'aria-label="{html.escape(title)}"><title>{html.escape(title)}</title>'
        ),
        f'<line class="axis" x1="{pad_l}" y1="{pad_t + plot_h}" x2="{width - 4}" y2="{pad_t + plot_h}"/>',
        f'<text class="tick" x="{pad_l - 4}" y="{pad_t + 8}" text-anchor="end">{top}</text>',
        f'<text class="tick" x="{pad_l - 4}" y="{pad_t + plot_h}" text-anchor="end">0</text>',
    ]
    for i, (label, values) in enumerate(rows):
        x = pad_l + i * bw + 2
        y = pad_t + plot_h
        for s in series:
            v = values.get(s, 0)
            if not v:
                continue
            h = plot_h * v / top
            y -= h
            parts.append(
                f'<rect class="bar sev-{html.escape(s)}" x="{x:.1f}" y="{y:.1f}" width="{max(bw - 4, 1):.1f}" '
                f'height="{h:.1f}"><title>{html.escape(label)}: {v} {html.escape(s)}</title></rect>'
            )
        if n <= 16 or i % max(1, n // 8) == 0:
            parts.append(
                f'<text class="tick" x="{x + (bw - 4) / 2:.1f}" y="{height - pad_b + 14}" '
                f'text-anchor="middle">{html.escape(label)}</text>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))


def hbar_chart(items: list[tuple[str, int]], *, width: int = 420, title: str = "") -> Markup:
    """Horizontal bars for counts by category."""
    row_h = 22
    height = max(row_h, row_h * len(items)) + 4
    top = max((v for _, v in items), default=0) or 1
    label_w = 170
    parts = [
        (
            f'<svg class="chart" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" '
            f'aria-label="{html.escape(title)}"><title>{html.escape(title)}</title>'
        )
    ]
    for i, (label, v) in enumerate(items):
        y = i * row_h + 2
        w = (width - label_w - 50) * v / top
        parts.append(
            f'<text class="tick" x="{label_w - 6}" y="{y + 15}" text-anchor="end">{html.escape(label)}</text>'
            f'<rect class="bar hbar" x="{label_w}" y="{y + 3}" width="{max(w, 1):.1f}" height="{row_h - 8}"/>'
            f'<text class="tick" x="{label_w + w + 6:.1f}" y="{y + 15}">{v}</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


ERROR_TITLES = {
    400: "The request could not be used",
    401: "Please sign in",
    403: "Not allowed",
    404: "Not found",
    405: "Not allowed",
    409: "Not possible now",
    413: "Too large",
    422: "The request could not be used",
    429: "Too many attempts",
    500: "Something went wrong",
}


def error_body(
    env: Environment, request_id: str, status: int, is_api: bool, detail: str | None = None
) -> tuple[bytes, str]:
    """The generic error response: a title, an optional detail that is known to be safe to
    show, and the error id (for the logs).  Never a stack trace or exception text of an
    unexpected error."""
    title = ERROR_TITLES.get(status, "Error")
    if is_api:
        import orjson

        body = {"error": title, "status": status, "error_id": request_id}
        if detail:
            body["detail"] = detail
        return orjson.dumps(body), "application/json"
    text = env.get_template("error.html").render(
        title=title,
        status=status,
        error_id=request_id,
        detail=detail,
        actor=None,
        nav=[],
        csrf="",
        path="",
        nav_active=None,
        can=lambda a: False,
    )
    return text.encode("utf-8"), "text/html; charset=utf-8"
