"""The one strict CSV reader/writer: every problem at once with row and column (never
the value), typed columns, round trips, and cells a spreadsheet would run as formulas."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chatwarden.registers.csvio import Field, RecordError, Schema, guard, read_csv, unguard, write_csv

SCHEMA = Schema("t", (
    Field("name", "text", required=True, max_len=20),
    Field("n", "int", minimum=0),
    Field("x", "float"),
    Field("ok", "bool"),
    Field("day", "date"),
    Field("at", "datetime"),
    Field("colour", "choice", choices=("red", "green"), aliases={"rouge": "red"}),
    Field("tags", "list"),
    Field("phone", "phone"),
))


def test_good_file_with_bom_and_case_insensitive_header():
    data = "\ufeffName,N,Ok,Day,Colour,Tags,Phone\nAda,3,yes,31/03/2025,ROUGE,a; b ;,07700 900123\n"
    rows, problems = read_csv(data.encode("utf-8"), SCHEMA, "t.csv")
    assert problems == []
    assert rows[0].number == 2
    assert rows[0].values == {"name": "Ada", "n": 3, "ok": True, "day": date(2025, 3, 31), "colour": "red",
                              "tags": ["a", "b"], "phone": "+447700900123"}


def test_every_bad_cell_is_reported_with_row_and_column_and_without_the_value():
    data = ("name,n,x,ok,day,at,colour,phone\n"
            "Secret Name That Is Far Too Long,-1,abc,perhaps,2025-02-30,2025-03-30 01:30,blue,12\n"
            ",1,1.5,no,2025-01-01,2025-01-01 10:00,red,\n"
            "Bob,2,2,yes,2025-01-02,,green,07700900123\n")
    rows, problems = read_csv(data, SCHEMA, "people.csv")
    assert problems == [
        "people.csv:row 2, column name: too long (at most 20 characters)",
        "people.csv:row 2, column n: must be at least 0",
        "people.csv:row 2, column x: not a number",
        "people.csv:row 2, column ok: not yes or no",
        "people.csv:row 2, column day: not a real date",
        "people.csv:row 2, column at: does not exist in London (the clocks go forward then); give it with an offset"
        " or correct it",
        "people.csv:row 2, column colour: must be one of: red, green",
        "people.csv:row 2, column phone: not a phone number",
        "people.csv:row 3, column name: required",
    ]
    assert not any("Secret" in p or "blue" in p for p in problems)
    assert [r.ok for r in rows] == [False, False, True]


@pytest.mark.parametrize("header, problem", [
    ("name,nme", "t.csv:row 1, column nme (did you mean name?): unknown column"),
    ("name,Gary HOLLIS", "t.csv:row 1, column #2: unknown column"),  # data in row 1 is not repeated
    ("name,n,n", "t.csv:row 1, column n: column given twice"),
    ("n,x", "t.csv:row 1, column name: required column missing"),
])
def test_header_problems(header, problem):
    rows, problems = read_csv(header + "\n", SCHEMA, "t.csv")
    assert rows == []
    assert problems[0].startswith(problem)


def test_structural_problems():
    assert read_csv("", SCHEMA, "t.csv")[1] == ["t.csv:row 1: the file is empty (a header row is needed)"]
    assert read_csv(b"name\n\xff\n", SCHEMA, "t.csv")[1][0].startswith("t.csv: not UTF-8 text")
    rows, problems = read_csv("name,n\nA,1,extra\n\nB,2\n", SCHEMA, "t.csv")
    assert problems == ["t.csv:row 2: 3 cells but the header has 2 columns"]
    assert [r.values["name"] for r in rows] == ["B"]  # blank lines are skipped


@pytest.mark.parametrize("cell", ["=1+2", "+447700900123", "-5", "@SUM(A1)", "\tx", "'quoted"])
def test_formula_cells_are_guarded_and_read_back(cell):
    assert guard(cell).startswith("'")
    assert unguard(guard(cell)) == cell
    text = write_csv(Schema("g", (Field("name", "text"),)), [{"name": cell}])
    assert text.splitlines()[1].lstrip('"').startswith("'")


def test_export_guard_on_a_hostile_row():
    text = write_csv(SCHEMA, [{"name": "=HYPERLINK(\"x\")", "tags": ["@cmd", "ok"], "n": 1}])
    line = text.splitlines()[1]
    assert line.startswith('"\'=HYPERLINK')
    rows, problems = read_csv(text, SCHEMA, "t.csv")
    assert not problems
    assert rows[0].values["name"] == '=HYPERLINK("x")'


_text = st.text(alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00;"), max_size=15)


@settings(max_examples=150, deadline=None)
@given(name=_text.filter(lambda s: s.strip()), n=st.integers(0, 10**9), x=st.floats(allow_nan=False,
       allow_infinity=False, width=32), ok=st.booleans(), day=st.dates(date(1990, 1, 1), date(2100, 1, 1)),
       tags=st.lists(_text.filter(lambda s: s.strip()), max_size=4), colour=st.sampled_from(["red", "green"]))
def test_round_trip(name, n, x, ok, day, tags, colour):
    row = {"name": name.strip()[:20].strip() or "x", "n": n, "x": float(x), "ok": ok, "day": day,
           "tags": [t.strip() for t in tags], "colour": colour}
    schema = Schema("t", SCHEMA.fields[:8])
    text = write_csv(schema, [row])
    rows, problems = read_csv(text, schema, "t.csv")
    assert problems == []
    assert rows[0].values == dict(row, tags=row["tags"] or None, at=None)  # an empty list reads back as empty
    assert write_csv(schema, [rows[0].values]) == text


def test_record_coercion_reports_every_field():
    _, problems = SCHEMA.coerce({"n": "x", "ok": "maybe", "surprise": 1})
    assert ("name", "required") in problems
    assert ("n", "not a whole number") in problems and ("ok", "not yes or no") in problems
    assert ("surprise", "unknown field") in problems
    err = RecordError("thing", problems)
    assert "name: required" in str(err)


def test_typed_values_are_accepted_from_callers():
    values, problems = SCHEMA.coerce({"name": "A", "day": date(2025, 1, 1), "ok": False, "tags": ["x"], "n": 2})
    assert problems == [] and values["day"] == date(2025, 1, 1) and values["tags"] == ["x"]
    _, problems = SCHEMA.coerce({"name": "A", "n": True, "tags": ["a;b"]})
    assert ("n", "not a whole number") in problems and ("tags", "an item may not contain ';'") in problems


