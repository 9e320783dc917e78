"""File names taken from export members: only a cleaned last component, unique per folder."""

from __future__ import annotations

import pytest

from chatwarden.evidence.names import MAX_NAME_CHARS, UniqueNames, safe_basename


@pytest.mark.parametrize(
    ("raw", "want"),
    [
        ("IMG-20240312-WA0001.jpg", "IMG-20240312-WA0001.jpg"),
        ("../../etc/passwd", "passwd"),
        ("/abs/path/x.png", "x.png"),
        ("C:\\Users\\x\\y.jpg", "y.jpg"),
        ("..", "file"),
        (".", "file"),
        ("", "file"),
        ("dir/", "file"),
        (".hidden", "hidden"),
        ("photo\u202egpj.exe", "photogpj.exe"),
        ("a\x00b\x1fc.txt", "a_b_c.txt"),
        ('x:y?"z".jpg', "x_y__z_.jpg"),
        ("CON", "_CON"),
        ("nul.txt", "_nul.txt"),
        ("name. . .", "name"),
        ("e\u0301.jpg", "\u00e9.jpg"),
    ],
)
def test_safe_basename(raw: str, want: str) -> None:
    assert safe_basename(raw) == want


def test_long_names_keep_their_extension() -> None:
    name = safe_basename("a" * 500 + ".jpeg")
    assert len(name) <= MAX_NAME_CHARS and name.endswith(".jpeg")


def test_unique_names_are_case_insensitive() -> None:
    u = UniqueNames(reserved=("rsmf_manifest.json",))
    got = [u.take(n) for n in ("a/IMG.jpg", "b/IMG.jpg", "c/img.JPG", "RSMF_MANIFEST.json", "noext", "x/noext")]
    assert got == ["IMG.jpg", "IMG~2.jpg", "img~3.JPG", "RSMF_MANIFEST~2.json", "noext", "noext~2"]
