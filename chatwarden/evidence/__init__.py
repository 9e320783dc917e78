"""Evidence preservation (the guidance's Annex 1 playbook), file-based.

When a chat shows a prohibited use, the guidance says: export it (with or without media), put
it in the evidence system (Axon Capture / Evidence.com), record it on the records system
(CONNECT) and tell a supervisor.  This package makes the files for that:

- :mod:`~chatwarden.evidence.rsmf`: the chat as RSMF 2.0.0, the e-discovery format review
  platforms load (:func:`build_rsmf`, :func:`read_rsmf`, :func:`validate_manifest`);
- :mod:`~chatwarden.evidence.transcript`: a readable transcript with findings marked, as
  self-contained HTML and as PDF (:func:`render_html`, :func:`render_pdf`);
- :mod:`~chatwarden.evidence.package`: an evidence package (folder or deterministic zip)
  holding the original export byte for byte, its media re-hashed, the transcripts, the RSMF
  file, the parse output, the chain of custody and a manifest of SHA-256 digests
  (:func:`build_package`, :func:`verify_package`).

Nothing here touches the store: callers pass paths and values, and get files back.
"""

from __future__ import annotations

from chatwarden.evidence.custody import CustodyEntry, custody_jsonl, read_custody_jsonl
from chatwarden.evidence.package import (
    PackagedFile,
    PackageInfo,
    VerifyResult,
    build_package,
    verify_package,
)
from chatwarden.evidence.rsmf import build_manifest, build_rsmf, load_schema, read_rsmf, validate_manifest
from chatwarden.evidence.transcript import render_html, render_pdf

__all__ = [
    "CustodyEntry",
    "PackageInfo",
    "PackagedFile",
    "VerifyResult",
    "build_manifest",
    "build_package",
    "build_rsmf",
    "custody_jsonl",
    "load_schema",
    "read_custody_jsonl",
    "read_rsmf",
    "render_html",
    "render_pdf",
    "validate_manifest",
    "verify_package",
]
