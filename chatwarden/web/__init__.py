"""The reviewers' web app: FastAPI, server-rendered Jinja2 pages with htmx (vendored), a
JSON API beside them, over the same use-case functions as the CLI.  Build it with
:func:`chatwarden.web.app.create_app`; run it with ``chatwarden serve``."""

from __future__ import annotations

__all__ = ["create_app"]


def create_app(*args, **kwargs):
    from chatwarden.web.app import create_app as _create_app

    return _create_app(*args, **kwargs)
