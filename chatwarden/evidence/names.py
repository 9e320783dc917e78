"""Safe file names for files chatwarden writes out of an export (media into a package, into
``rsmf.zip``).

Member names inside an export are untrusted: they may climb out of a folder (``../``), be
absolute, carry control characters, or use right-to-left override marks to disguise an
extension (``photo\u202egpj.exe``).  Only the last path component is used, cleaned so that it is
a plain file name on Linux, macOS and Windows alike, and made unique (case-insensitively, as
Windows and macOS compare names) among the names already used.
"""

from __future__ import annotations

import unicodedata

__all__ = ["UniqueNames", "safe_basename"]

MAX_NAME_CHARS = 120
_WINDOWS_RESERVED = frozenset(
    {"con", "prn", "aux", "nul"} | {f"com{i}" for i in range(1, 10)} | {f"lpt{i}" for i in range(1, 10)}
)
_FORBIDDEN = set('<>:"|?*/\\')


def _clean_char(c: str) -> str:
    if c in _FORBIDDEN:
        return "_"
    cat = unicodedata.category(c)
    if cat in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp"):
        return "_" if cat != "Cf" else ""
    return c


def safe_basename(name: str, default: str = "file") -> str:
    """The last component of ``name`` (``/`` or ``\\`` separated), cleaned: no control or
    format characters, none of ``<>:"|?*``, no leading/trailing dots or spaces, not a Windows
    device name, at most :data:`MAX_NAME_CHARS` characters (the extension kept)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    base = unicodedata.normalize("NFC", "".join(_clean_char(c) for c in base))
    base = base.strip(" .")
    if not base:
        base = default
    stem, dot, ext = base.rpartition(".")
    if not dot:
        stem, ext = base, ""
    if stem.lower() in _WINDOWS_RESERVED or base.lower() in _WINDOWS_RESERVED:
        base = "_" + base
        stem = "_" + stem
    if len(base) > MAX_NAME_CHARS:
        ext = ext[:16]
        keep = MAX_NAME_CHARS - (len(ext) + 1 if ext else 0)
        base = stem[:keep].rstrip(" .") + ("." + ext if ext else "")
    return base


class UniqueNames:
    """Hands out safe names that are unique within one folder (case-insensitively)."""

    def __init__(self, reserved: tuple[str, ...] = ()) -> None:
        self._used: set[str] = {r.casefold() for r in reserved}

    def take(self, name: str, default: str = "file") -> str:
        base = safe_basename(name, default)
        candidate = base
        stem, dot, ext = base.rpartition(".")
        if not dot or not stem:
            stem, ext = base, ""
        n = 2
        while candidate.casefold() in self._used:
            candidate = f"{stem}~{n}" + (f".{ext}" if ext else "")
            n += 1
        self._used.add(candidate.casefold())
        return candidate
