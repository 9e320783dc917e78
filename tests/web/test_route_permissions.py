"""Every route declares the permission action it needs, in one way (needs()/public()), and
only login, health checks and static files are public."""

from __future__ import annotations

from chatwarden.permissions import ACTIONS, ROLES
from chatwarden.web.security import Guard, declared

PUBLIC = {("GET", "/login"), ("POST", "/login"), ("GET", "/healthz"), ("GET", "/readyz")}


def _routes(app):
    from starlette.routing import Mount

    for r in app.routes:
        if isinstance(r, Mount):
            assert r.path == "/static", f"unexpected mounted app at {r.path}"
            continue
        for method in sorted(getattr(r, "methods", None) or ()):
            if method != "HEAD":
                yield method, r


def test_every_route_declares_exactly_one_guard(web):
    missing, doubled = [], []
    for method, r in _routes(web.app):
        guards = declared(r)
        if not guards:
            missing.append(f"{method} {r.path}")
        if len(guards) > 1:
            doubled.append(f"{method} {r.path}")
    assert not missing, f"routes without a permission declaration: {missing}"
    assert not doubled, f"routes declaring twice: {doubled}"


def test_only_login_health_and_static_are_public(web):
    public = {(m, r.path) for m, r in _routes(web.app) if declared(r)[0].is_public}
    assert public == PUBLIC


def test_declared_actions_are_registered_and_held_by_someone(web):
    for method, r in _routes(web.app):
        g: Guard = declared(r)[0]
        for a in g.actions:
            assert a in ACTIONS
            assert any(a in acts for acts in ROLES.values()), a


def test_a_guard_refuses_unknown_actions_and_empty_declarations():
    import pytest

    with pytest.raises(KeyError):
        Guard(("no.such.action",))
    with pytest.raises(ValueError):
        Guard(())


def test_no_framework_debug_or_docs_routes(web):
    paths = {r.path for r in web.app.routes}
    for p in ("/docs", "/redoc", "/docs/oauth2-redirect"):
        assert p not in paths
    assert web.app.debug is False


def test_docs_list_every_route_with_its_action(web):
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "web.md").read_text(encoding="utf-8")
    for method, r in _routes(web.app):
        g = declared(r)[0]
        needed = "public" if g.is_public else ", ".join(f"`{a}`" for a in g.actions)
        line = f"| {method} | `{r.path}` | {needed} |"
        assert line in doc, f"docs/web.md lacks the row: {line}"
