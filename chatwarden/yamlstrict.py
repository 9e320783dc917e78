"""One strict YAML loader for every config, policy and data file.

Differences from ``yaml.safe_load``: duplicate keys are an error; every mapping and
sequence remembers the line it starts on (:func:`line_of`) so that later checks can name
``file:line``; problems are collected (the caller reports all of them at once).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node

from chatwarden.errors import ConfigError


class LineDict(dict):
    """A dict that knows the line it started on and the lines of its keys."""

    __slots__ = ("line", "key_lines")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.line = 0
        self.key_lines: dict[str, int] = {}


class LineList(list):
    __slots__ = ("line",)

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.line = 0


class _StrictLoader(yaml.SafeLoader):
    problems: list[str]
    filename: str

    def construct_mapping(self, node: MappingNode, deep: bool = False) -> LineDict:  # type: ignore[override]
        out = LineDict()
        out.line = node.start_mark.line + 1
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            line = key_node.start_mark.line + 1
            if not isinstance(key, (str, int, float, bool)) and key is not None:
                self.problems.append(f"{self.filename}:{line}: mapping keys must be plain values")
                continue
            if key in out:
                self.problems.append(f"{self.filename}:{line}: duplicate key {key!r} (first at line {out.key_lines[key]})")
                continue
            out[key] = self.construct_object(value_node, deep=True)
            out.key_lines[key] = line  # type: ignore[index]
        return out

    def construct_sequence(self, node: Node, deep: bool = False) -> LineList:  # type: ignore[override]
        out = LineList(self.construct_object(child, deep=True) for child in node.value)  # type: ignore[attr-defined]
        out.line = node.start_mark.line + 1
        return out


_StrictLoader.add_constructor("tag:yaml.org,2002:map", _StrictLoader.construct_mapping)
_StrictLoader.add_constructor("tag:yaml.org,2002:seq", _StrictLoader.construct_sequence)


def load_text(text: str, filename: str = "<string>") -> tuple[Any, list[str]]:
    """Parse YAML text; return (data, problems).  Syntax errors become problems too."""
    loader = _StrictLoader(text)
    loader.problems = []
    loader.filename = filename
    try:
        data = loader.get_single_data()
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark
        line = mark.line + 1 if mark else 0
        return None, [f"{filename}:{line}: YAML syntax error: {exc.problem}"]
    except yaml.YAMLError as exc:
        return None, [f"{filename}: YAML error: {type(exc).__name__}"]
    finally:
        loader.dispose()
    return data, list(loader.problems)


def load_file(path: str | Path) -> tuple[Any, list[str]]:
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        return None, [f"{p}: not UTF-8 (byte {exc.start})"]
    except OSError as exc:
        return None, [f"{p}: cannot read ({exc.strerror})"]
    return load_text(text, str(p))


def load_strict(path: str | Path) -> Any:
    """Load one file or raise :class:`ConfigError` listing every problem."""
    data, problems = load_file(path)
    if problems:
        raise ConfigError(f"{path}: {len(problems)} problem(s)", problems)
    return data


def line_of(obj: Any, key: str | None = None) -> int:
    if key is not None and isinstance(obj, LineDict):
        return obj.key_lines.get(key, obj.line)
    return getattr(obj, "line", 0)


def load_mapping(text: str, filename: str, keys: Collection[str]) -> tuple[dict, list[str], Callable[..., str]]:
    """Load a data file whose top level is a mapping with exactly ``keys``.  Returns the
    mapping, the problems found so far (unknown and missing keys, each with its line) for
    the caller to add to, and ``at(obj, key=None)`` giving "file:line" for any node.
    Raises :class:`ConfigError` when the YAML itself is bad or not a mapping."""
    data, problems = load_text(text, filename)
    if problems:
        raise ConfigError(f"{filename}: {len(problems)} problem(s)", problems)
    if not isinstance(data, dict):
        raise ConfigError(f"{filename}: expected a mapping at the top level")

    def at(obj: Any, key: str | None = None) -> str:
        return f"{filename}:{line_of(obj, key)}"

    for key in data:
        if key not in keys:
            problems.append(f"{at(data, key)}: unknown key {key!r}")
    for key in sorted(set(keys) - set(data)):
        problems.append(f"{at(data)}: missing key {key!r}")
    return data, problems, at
