"""The one strict CSV reader and writer of the registers, and the typed fields they share
with forms and the command line.

Reading (:func:`read_csv`):

* UTF-8 (a byte-order mark is allowed); the first row is the header.  Header names are
  matched without regard to case, spaces or hyphens (``Device ID`` = ``device_id``).
* An unknown, duplicated or missing required column is a problem; so is every cell that is
  not of its column's type.  All problems are collected, each as
  ``file:row N, column X: problem``, where row 1 is the header (the row number a
  spreadsheet shows).  Problems never repeat the cell's value.
* The caller imports nothing unless there is no problem at all (one transaction).

Writing (:func:`write_csv`): the same columns, typed values written so that reading them
back gives the same values; lines end in CRLF (RFC 4180), so a cell holding a lone carriage
return is quoted like one holding a line feed.  Cells that a spreadsheet would run as a formula (starting with
``=``, ``+``, ``-``, ``@``, a tab or a carriage return) are written behind an apostrophe,
and so are cells that start with an apostrophe; the reader removes one leading apostrophe
from every cell, as spreadsheets do with their text marker.
"""

from __future__ import annotations

import csv
import difflib
import io
import math
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import PurePath
from typing import Any

from chatwarden.errors import InputError
from chatwarden.registers import clocks

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
LIST_SEP = ";"
_TRUE = {"yes", "y", "true", "t", "1", "on"}
_FALSE = {"no", "n", "false", "f", "0", "off"}
KINDS = ("text", "int", "float", "bool", "date", "datetime", "choice", "list", "choices", "ints", "phone", "custom")


class CSVError(InputError):
    """A register file with problems; ``problems`` lists all of them
    (``file:row N, column X: problem``).  Nothing was imported."""

    def __init__(self, source: str, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        shown = self.problems[:200]
        more = len(self.problems) - len(shown)
        text = f"{len(self.problems)} problem(s), nothing was imported\n" + "\n".join(f"  {p}" for p in shown)
        if more:
            text += f"\n  … and {more} more"
        super().__init__(text, source=source)


class RecordError(InputError):
    """Bad values for one record (a form, a command line, an update): ``problems`` holds
    ``(field, problem)`` pairs, every one found."""

    def __init__(self, what: str, problems: Sequence[tuple[str, str]]) -> None:
        self.problems = list(problems)
        super().__init__(f"{what}: " + "; ".join(f"{f}: {p}" for f, p in self.problems))


@dataclass(frozen=True)
class Field:
    """One typed column (and form field) of a register."""

    name: str
    kind: str = "text"
    required: bool = False
    choices: tuple[str, ...] = ()
    aliases: Mapping[str, str] = field(default_factory=dict)  # casefolded label -> stored value
    max_len: int | None = None
    minimum: float | None = None
    parse_fn: Callable[[str], Any] | None = None  # kind "custom": text -> value (ValueError)
    format_fn: Callable[[Any], str] | None = None  # kind "custom": value -> text
    help: str = ""
    export: bool = True

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown field kind {self.kind!r}")

    # ------------------------------------------------------------------------- reading
    def parse(self, text: str) -> Any:
        """Cell text -> value (None for an empty cell).  ValueError names the problem
        without repeating the value."""
        s = text.strip()
        if s == "":
            return None
        k = self.kind
        if k == "text":
            return self._text(s)
        if k == "int":
            try:
                v = int(s)
            except ValueError:
                raise ValueError("not a whole number") from None
            return self._min(v)
        if k == "float":
            try:
                v = float(s)
            except ValueError:
                raise ValueError("not a number") from None
            if not math.isfinite(v):
                raise ValueError("not a finite number")
            return self._min(v)
        if k == "bool":
            low = s.lower()
            if low in _TRUE:
                return True
            if low in _FALSE:
                return False
            raise ValueError("not yes or no")
        if k == "date":
            return clocks.parse_date(s)
        if k == "datetime":
            return clocks.parse_datetime(s)
        if k == "choice":
            return self._choice(s)
        if k in ("list", "choices", "ints"):
            items = [p.strip() for p in s.split(LIST_SEP)]
            items = [p for p in items if p]
            if k == "list":
                return [self._text(p) for p in items]
            if k == "choices":
                out: list[str] = []
                for p in items:
                    v = self._choice(p)
                    if v not in out:
                        out.append(v)
                return out
            try:
                return [int(p) for p in items]
            except ValueError:
                raise ValueError("not a list of whole numbers separated by ';'") from None
        if k == "phone":
            return parse_phone(s)
        if self.parse_fn is None:
            raise ValueError("cannot be read")
        return self.parse_fn(s)

    def _text(self, s: str) -> str:
        if self.max_len is not None and len(s) > self.max_len:
            raise ValueError(f"too long (at most {self.max_len} characters)")
        return s

    def _min(self, v: float) -> Any:
        if self.minimum is not None and v < self.minimum:
            raise ValueError(f"must be at least {self.minimum:g}")
        return v

    def _choice(self, s: str) -> str:
        low = s.casefold()
        for c in self.choices:
            if c.casefold() == low:
                return c
        if low in self.aliases:
            return self.aliases[low]
        raise ValueError("must be one of: " + ", ".join(self.choices))

    def coerce(self, value: Any) -> Any:
        """A value from a caller (form text, or an already typed value) -> stored value."""
        if value is None:
            return None
        if isinstance(value, str):
            return self.parse(value)
        k = self.kind
        if k == "text" and not isinstance(value, str):
            raise ValueError("must be text")
        if k == "int":
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError("not a whole number")
            return self._min(value)
        if k == "float":
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise ValueError("not a number")
            return self._min(float(value))
        if k == "bool":
            if not isinstance(value, bool):
                raise ValueError("not yes or no")
            return value
        if k == "date":
            if isinstance(value, datetime) or not isinstance(value, date):
                raise ValueError("not a date")
            return value
        if k == "datetime":
            if not isinstance(value, datetime):
                raise ValueError("not a date and time")
            return clocks.to_utc(value)
        if k in ("list", "choices", "ints"):
            if not isinstance(value, (list, tuple)):
                raise ValueError("not a list")
            out = []
            for item in value:
                if k == "ints":
                    if isinstance(item, bool) or not isinstance(item, int):
                        raise ValueError("not a list of whole numbers")
                    out.append(item)
                elif not isinstance(item, str):
                    raise ValueError("not a list of text items")
                elif LIST_SEP in item:
                    raise ValueError("an item may not contain ';'")
                elif item.strip():
                    v = self._choice(item.strip()) if k == "choices" else self._text(item.strip())
                    if k != "choices" or v not in out:
                        out.append(v)
            return out
        if k == "custom" and self.parse_fn is not None:
            try:
                return self.parse_fn(value)  # type: ignore[arg-type]
            except (AttributeError, TypeError):
                raise ValueError("has the wrong type") from None
        raise ValueError("has the wrong type")

    # ------------------------------------------------------------------------- writing
    def format(self, value: Any) -> str:
        if value is None:
            return ""
        k = self.kind
        if k == "bool":
            return "yes" if value else "no"
        if k == "date":
            return value.isoformat()
        if k == "datetime":
            return clocks.iso_london(value)
        if k == "float":
            s = repr(float(value))
            return s.removesuffix(".0")
        if k in ("list", "choices", "ints"):
            return f"{LIST_SEP} ".join(str(v) for v in value)
        if k == "custom" and self.format_fn is not None:
            return self.format_fn(value)
        return str(value)


@dataclass(frozen=True)
class Schema:
    """The columns of one register's CSV file (and the fields of its forms)."""

    name: str
    fields: tuple[Field, ...]

    def __post_init__(self) -> None:
        names = [f.name for f in self.fields]
        if len(set(names)) != len(names):
            raise ValueError(f"{self.name}: duplicate field names")

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    def get(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    def coerce(self, values: Mapping[str, Any], *, partial: bool = False,
               ignore: Iterable[str] = ()) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        """Typed values and ``(field, problem)`` pairs.  ``partial`` (updates): required
        fields may be absent but not emptied."""
        out: dict[str, Any] = {}
        problems: list[tuple[str, str]] = []
        known = set(self.names) | set(ignore)
        for key in values:
            if key not in known:
                problems.append((key, "unknown field"))
        for f in self.fields:
            if f.name not in values:
                if f.required and not partial:
                    problems.append((f.name, "required"))
                continue
            try:
                v = f.coerce(values[f.name])
            except ValueError as exc:
                problems.append((f.name, str(exc)))
                continue
            if v is None and f.required:
                problems.append((f.name, "required"))
                continue
            if isinstance(v, list) and not v and f.required:
                problems.append((f.name, "required"))
                continue
            out[f.name] = v
        return out, problems


def parse_phone(text: str) -> str:
    """A phone number -> E.164 (numbers without a country code are British).  Ofcom's
    drama numbers are possible but unallocated; they are accepted."""
    import phonenumbers

    s = text.strip()
    if not re.fullmatch(r"[+\d\s\u00a0().\-]{6,24}", s):
        raise ValueError("not a phone number")
    try:
        num = phonenumbers.parse(s, None if s.startswith("+") else "GB")
    except phonenumbers.NumberParseException:
        raise ValueError("not a phone number") from None
    if not phonenumbers.is_possible_number(num):
        raise ValueError("not a possible phone number")
    return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)


def guard(cell: str) -> str:
    """Protect a cell from being run as a spreadsheet formula."""
    if cell and (cell[0] in FORMULA_TRIGGERS or cell[0] == "'"):
        return "'" + cell
    return cell


def unguard(cell: str) -> str:
    return cell.removeprefix("'")


def _header_key(name: str) -> str:
    return re.sub(r"[\s\-]+", "_", name.strip().lower())


@dataclass(frozen=True)
class CSVRow:
    number: int  # the spreadsheet row: the header is row 1
    values: dict[str, Any]  # typed values of the columns the file has
    ok: bool  # no cell of this row had a problem


def where(source: str, row: int, column: str | None = None) -> str:
    return f"{source}:row {row}" + (f", column {column}" if column else "")


def read_csv(data: bytes | str, schema: Schema, source: str, *,
             ignore: Iterable[str] = ()) -> tuple[list[CSVRow], list[str]]:
    """Parse a register file: (rows, problems).  Raises nothing for bad content: the
    caller adds its own checks and raises :class:`CSVError` with everything.  Problems
    name the file by its base name (folders can hold names)."""
    source = PurePath(source).name
    problems: list[str] = []
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as exc:
            return [], [f"{source}: not UTF-8 text (byte {exc.start}); save the file as 'CSV UTF-8'"]
    else:
        text = data.removeprefix("\ufeff")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader)
    except StopIteration:
        return [], [f"{source}:row 1: the file is empty (a header row is needed)"]
    except csv.Error as exc:
        return [], [f"{source}:row 1: not CSV ({exc})"]
    ignore = set(ignore)
    columns: list[str | None] = []
    seen: set[str] = set()
    for i, raw in enumerate(header, start=1):
        key = _header_key(unguard(raw))
        if key in ignore:
            columns.append(None)
            continue
        if key not in schema.names:
            # Name the column only when it looks like a misspelt header; a file without a header
            # has data in row 1, which must not be repeated.
            near = difflib.get_close_matches(key, schema.names, n=1, cutoff=0.75)
            label = f"{key} (did you mean {near[0]}?)" if near and re.fullmatch(r"[a-z0-9_]{1,40}", key) else f"#{i}"
            problems.append(f"{where(source, 1, label)}: unknown column (known: {', '.join(schema.names)})")
            columns.append(None)
            continue
        if key in seen:
            problems.append(f"{where(source, 1, key)}: column given twice")
            columns.append(None)
            continue
        seen.add(key)
        columns.append(key)
    for f in schema.fields:
        if f.required and f.name not in seen:
            problems.append(f"{where(source, 1, f.name)}: required column missing")
    if problems:
        return [], problems
    rows: list[CSVRow] = []
    number = 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            problems.append(f"{where(source, number + 1)}: not valid CSV ({exc})")
            break
        number += 1
        if not any(c.strip() for c in cells):
            continue
        if len(cells) > len(columns):
            problems.append(f"{where(source, number)}: {len(cells)} cells but the header has {len(columns)} columns")
            continue
        values: dict[str, Any] = {}
        ok = True
        for col, cell in zip(columns, cells + [""] * (len(columns) - len(cells)), strict=True):
            if col is None:
                continue
            f = schema.get(col)
            try:
                v = f.parse(unguard(cell))
            except ValueError as exc:
                problems.append(f"{where(source, number, col)}: {exc}")
                ok = False
                continue
            if f.required and (v is None or v == []):
                problems.append(f"{where(source, number, col)}: required")
                ok = False
                continue
            values[col] = v
        rows.append(CSVRow(number, values, ok))
    return rows, problems


def write_csv(schema: Schema, rows: Iterable[Mapping[str, Any]]) -> str:
    """The register as CSV text (header + one line per row), formula-guarded."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\r\n")
    cols = [f for f in schema.fields if f.export]
    w.writerow([f.name for f in cols])
    for r in rows:
        w.writerow([guard(f.format(r.get(f.name))) for f in cols])
    return out.getvalue()
