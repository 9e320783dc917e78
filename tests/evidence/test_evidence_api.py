"""The public API of chatwarden.evidence is complete and importable."""

from __future__ import annotations

import chatwarden.evidence as ev
from chatwarden.evidence import custody, package, rsmf, transcript


def test_public_api_is_exported() -> None:
    for name in ev.__all__:
        assert getattr(ev, name) is not None
    expected = {
        "build_rsmf", "read_rsmf", "validate_manifest", "render_html", "render_pdf", "build_package",
        "verify_package", "CustodyEntry", "PackageInfo", "VerifyResult",
    }
    assert expected <= set(ev.__all__)
    for module in (custody, package, rsmf, transcript):
        for name in module.__all__:
            assert hasattr(module, name), f"{module.__name__}.{name}"
