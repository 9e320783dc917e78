"""Data files of the policing-knowledge detectors (``policing``, ``names``, ``context``).

The files are YAML read once through :mod:`chatwarden.yamlstrict` (duplicate keys and
unknown fields are errors, every problem names ``file:line``):

* ``policing.yaml`` - the rules of :class:`chatwarden.detect.policing.PolicingDetector`;
* ``names.yaml`` - first names, titles, ranks and stop words of
  :class:`chatwarden.detect.names.NameDetector`;
* ``context.yaml`` - cue patterns of :class:`chatwarden.detect.context.ContextDetector`.

Everything here was written for chatwarden (Apache-2.0); no third-party list was copied.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from importlib import resources
from typing import Any

__all__ = ["read_text", "trie_pattern"]


def read_text(name: str) -> tuple[str, str]:
    """(text, display name) of the data file ``name`` in this package."""
    path = resources.files(__name__) / name
    return path.read_text(encoding="utf-8"), f"chatwarden/detect/lexicons/{name}"


def trie_pattern(words: Iterable[str], stems: Iterable[str] = ()) -> str:
    """A regex body (a trie of alternations) matching, at one position, the longest of
    ``words`` (each followed by no further word character) or of ``stems`` (followed by
    anything).  Sequential alternation in Python's ``re`` then fails after one character
    comparison per branch, so hundreds of words cost little per position."""
    trie: dict[str, Any] = {}
    for kind, items in (("word", words), ("stem", stems)):
        for w in items:
            node = trie
            for ch in w:
                node = node.setdefault(ch, {})
            if node.get("") != "stem":  # a stem subsumes the same whole word
                node[""] = kind

    def build(node: dict[str, Any]) -> str:
        end = node.get("")
        branches = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not branches:
            return r"(?!\w)" if end == "word" else ""
        if end == "stem":
            return "(?:" + "|".join(branches) + ")?"
        if end == "word":
            return "(?:" + "|".join([*branches, r"(?!\w)"]) + ")"
        return branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"

    return build(trie)
