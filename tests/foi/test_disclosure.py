"""Disclosure control: small counts withheld, and (property tests) no withheld count can be
derived from what is published.  The attacker is an exact linear program (scipy's HiGHS):
for every withheld cell it minimises and maximises the cell subject to every published
equation (cells add up to their row and column totals, totals to the grand total, across
all the tables published together) and non-negativity.  A cell whose minimum equals its
maximum would be disclosed."""

from __future__ import annotations

import random
from collections import Counter

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from chatwarden.errors import InputError
from chatwarden.foi.disclosure import (
    Axis,
    DisclosureRules,
    PublishedTable,
    Table,
    _extended,
    pinned_cells,
    protect,
    suppress,
)

linprog = pytest.importorskip("scipy.optimize").linprog


# ---------------------------------------------------------------------------- the attacker
def _equations(tables: list[PublishedTable], truth: dict[str, list[list[int]]]):
    """Variables: every withheld published cell, shared totals identified across tables by
    (axis title, label).  Returns (variables, rows of (coeffs, rhs))."""
    var: dict[tuple, int] = {}
    eqs: list[tuple[dict[int, float], float]] = []

    def key(t: PublishedTable, i: int, j: int) -> tuple:
        R, C = len(t.row_labels), len(t.col_labels)
        if i == R and j == C:
            return ("grand",)
        if j == C or (t.one_way and j == 0 and i < R):  # a one-way table's counts are its row totals
            return ("total", t.row_title, t.row_labels[i]) if i < R else ("grand",)
        if i == R:
            return ("total", t.col_title, t.col_labels[j]) if not t.one_way else ("grand",)
        return ("cell", t.key, i, j)

    def term(t: PublishedTable, i: int, j: int) -> tuple[int | None, float]:
        c = t.grid[i][j]
        if c.suppressed:
            k = key(t, i, j)
            if k not in var:
                var[k] = len(var)
            return var[k], 0.0
        return None, float(c.value)

    for t in tables:
        if t.withheld:
            continue
        R, C = len(t.row_labels), len(t.col_labels)
        lines = []
        for i in range(R + 1):  # each row: cells - total = 0
            lines.append([(i, j, 1.0) for j in range(C)] + [(i, C, -1.0)])
        for j in range(C + 1):
            lines.append([(i, j, 1.0) for i in range(R)] + [(R, j, -1.0)])
        for line in lines:
            coeffs: dict[int, float] = {}
            rhs = 0.0
            for i, j, a in line:
                v, const = term(t, i, j)
                if v is None:
                    rhs -= a * const
                else:
                    coeffs[v] = coeffs.get(v, 0.0) + a
            if any(abs(a) > 0 for a in coeffs.values()):
                eqs.append((coeffs, rhs))
            else:
                assert abs(rhs) < 1e-9, "published figures are inconsistent"
    return var, eqs


def _ranges(tables: list[PublishedTable]) -> dict[tuple, tuple[float, float]]:
    var, eqs = _equations(tables, {})
    n = len(var)
    if n == 0:
        return {}
    A = np.zeros((len(eqs), n)) if eqs else None
    b = np.zeros(len(eqs)) if eqs else None
    for r, (coeffs, rhs) in enumerate(eqs):
        for v, a in coeffs.items():
            A[r, v] = a
        b[r] = rhs
    out = {}
    for k, idx in var.items():
        c = np.zeros(n)
        c[idx] = 1.0
        lo = linprog(c, A_eq=A, b_eq=b, bounds=[(0, None)] * n, method="highs")
        hi = linprog(-c, A_eq=A, b_eq=b, bounds=[(0, None)] * n, method="highs")
        assert lo.status == 0, "the true table must be feasible"
        out[k] = (lo.fun, float("inf") if hi.status == 3 else -hi.fun)
    return out


def assert_nothing_derivable(tables: list[PublishedTable]) -> None:
    for k, (lo, hi) in _ranges(tables).items():
        assert hi - lo >= 1 - 1e-7, f"withheld cell {k} is pinned to [{lo}, {hi}]"


# ---------------------------------------------------------------------------- strategies
SMALL_HEAVY = st.sampled_from([0, 0, 0, 1, 1, 2, 3, 4, 5, 6, 7, 9, 12, 20])


@st.composite
def tables(draw):
    r = draw(st.integers(1, 5))
    c = draw(st.integers(1, 5))
    counts = tuple(tuple(draw(SMALL_HEAVY) for _ in range(c)) for _ in range(r))
    threshold = draw(st.sampled_from([3, 5, 5, 6]))
    one_way = c == 1 and draw(st.booleans())
    rows = Axis("rows", "Row", tuple(f"r{i}" for i in range(r)), ordinal=draw(st.booleans()))
    cols = None if one_way else Axis("cols", "Col", tuple(f"c{j}" for j in range(c)))
    return Table("t", "T", rows, cols, counts), threshold


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(tables(), st.booleans())
def test_no_withheld_count_can_be_derived_from_one_table(data, coarsen):
    table, threshold = data
    published, report = protect([table], DisclosureRules(threshold=threshold, coarsen=coarsen))
    (p,) = published
    # primary: every published count is 0 or at least the threshold
    for line in p.grid:
        for cell in line:
            assert cell.value is None or cell.value == 0 or cell.value >= threshold
    assert_nothing_derivable(published)
    # the report accounts for every withheld cell
    withheld = sum(1 for line in p.grid for c in line if c.suppressed)
    if not p.withheld:
        assert withheld == report.count("primary") + report.count("secondary")


@st.composite
def record_sets(draw):
    n = draw(st.integers(1, 60))
    years = ["2017", "2018", "2019", "2020"]
    ranks = ["Constables", "Sergeants", "Inspectors and above"]
    outcomes = ["Written warning", "Final written warning", "Dismissal without notice", "Pending", "RPRP"]
    recs = [(draw(st.sampled_from(years)), draw(st.sampled_from(ranks)), draw(st.sampled_from(outcomes)))
            for _ in range(n)]
    return recs, years, ranks, outcomes


def _tables_from(recs, years, ranks, outcomes):
    year = Axis("year", "Year", tuple(years), ordinal=True)
    rank = Axis("rank", "Rank", tuple(ranks), ordinal=True)
    outcome = Axis("outcome", "Outcome", tuple(outcomes))
    cnt = Counter(recs)

    def grid(a, b, ai, bi):
        return tuple(tuple(sum(v for k, v in cnt.items() if k[ai] == x and k[bi] == y) for y in b.labels)
                     for x in a.labels)

    return [Table("year-rank", "", year, rank, grid(year, rank, 0, 1)),
            Table("year-outcome", "", year, outcome, grid(year, outcome, 0, 2)),
            Table("rank-outcome", "", rank, outcome, grid(rank, outcome, 1, 2))]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(record_sets())
def test_linked_tables_cannot_be_used_against_each_other(data):
    """Year x rank, year x outcome and rank x outcome share their totals: the attacker
    solves all three together."""
    published, _ = protect(_tables_from(*data), DisclosureRules())
    assert_nothing_derivable(published)
    # shared totals are identical wherever they appear
    seen: dict[tuple, str] = {}
    for t in published:
        if t.withheld:
            continue
        R, C = len(t.row_labels), len(t.col_labels)
        for i, lab in enumerate(t.row_labels):
            k = (t.row_title, lab)
            assert seen.setdefault(k, t.grid[i][C].text) == t.grid[i][C].text
        for j, lab in enumerate(t.col_labels):
            k = (t.col_title, lab)
            assert seen.setdefault(k, t.grid[R][j].text) == t.grid[R][j].text


def test_the_exact_check_agrees_with_the_linear_program_on_random_grids():
    rnd = random.Random(7)
    for _ in range(40):
        r, c = rnd.randint(1, 4), rnd.randint(1, 4)
        counts = tuple(tuple(rnd.choice([0, 0, 1, 2, 5, 8]) for _ in range(c)) for _ in range(r))
        g = _extended(counts)
        cells = [(i, j) for i in range(r + 1) for j in range(c + 1)]
        chosen = set(rnd.sample(cells, rnd.randint(1, len(cells))))
        axis_r = Axis("r", "R", tuple(f"r{i}" for i in range(r)))
        axis_c = Axis("c", "C", tuple(f"c{j}" for j in range(c)))
        from chatwarden.foi.disclosure import Cell

        grid = tuple(tuple(Cell(None, "*", "primary") if (i, j) in chosen else Cell(g[i][j], str(g[i][j]), "published")
                           for j in range(c + 1)) for i in range(r + 1))
        pt = PublishedTable("x", "", "R", "C", axis_r.labels, axis_c.labels, grid, False, False, "")
        ranges = _ranges([pt])
        lp_pinned = {(k[2], k[3]) if k[0] == "cell" else None for k, (lo, hi) in ranges.items() if hi - lo < 0.5}
        exact = set(pinned_cells(g, chosen))
        # compare on inner cells (totals are keyed by label in the LP)
        assert {x for x in exact if x[0] < r and x[1] < c} == {x for x in lp_pinned if x is not None}


# ---------------------------------------------------------------------------- examples
def _one(counts, **kw):
    rows = Axis("year", "Year", tuple(str(2017 + i) for i in range(len(counts))), ordinal=True)
    cols = Axis("outcome", "Outcome", tuple(f"o{j}" for j in range(len(counts[0]))))
    (p,), report = protect([Table("t", "T", rows, cols, tuple(map(tuple, counts)))], DisclosureRules(**kw))
    return p, report


def test_small_counts_withheld_zero_shown_and_the_classic_rectangle():
    p, report = _one([[3, 12, 0], [8, 9, 7]], coarsen=False)
    assert p.body() == [["2017", "*", "*", "0", "15"], ["2018", "*", "*", "7", "24"], ["Total", "11", "21", "7", "39"]]
    assert report.count("primary") == 1 and report.count("secondary") == 3
    assert all(e.value is not None for e in report.entries if e.action in ("primary", "secondary"))


def test_marker_and_legend_do_not_say_which_cells_are_small():
    p, _ = _one([[3, 12], [8, 9]], marker="fewer than 5 / withheld", coarsen=False)
    texts = {c.text for line in p.grid for c in line if c.suppressed}
    assert texts == {"fewer than 5 / withheld"}
    assert "cannot be worked out" in p.legend


def test_rounding_to_base_five():
    p, report = _one([[13, 22], [8, 9]], rounding=5)
    assert p.body() == [["2017", "15", "20", "35"], ["2018", "10", "10", "15"], ["Total", "20", "30", "50"]]
    assert report.count("rounded") == 1
    assert "rounded to the nearest 5" in p.legend


def test_coarsening_merges_small_categories_and_reports_it():
    rows = Axis("year", "Year", ("2017", "2018", "2019"), ordinal=True)
    cols = Axis("outcome", "Outcome", ("Dismissal", "Written warning", "Reduction in rank"),
                other_label="Other outcomes")
    t1 = Table("a", "A", rows, cols, ((2, 10, 1), (1, 8, 0), (6, 9, 1)))
    t2 = Table("b", "B", rows, None, ((13,), (9,), (16,)))
    (p1, p2), report = protect([t1, t2], DisclosureRules())
    assert p1.col_labels == ("Written warning", "Other outcomes")  # 9 and 2 merged: "Other outcomes" = 11
    assert [e.action for e in report.entries].count("coarsened") >= 1
    assert p2.body()[-1] == ["Total", "38"]
    assert not p2.show_row_totals


def test_ordinal_axes_merge_with_a_neighbour():
    rows = Axis("year", "Year", ("2017", "2018", "2019", "2020"), ordinal=True)
    t1 = Table("a", "A", rows, None, ((7,), (2,), (9,), (6,)))
    t2 = Table("b", "B", rows, Axis("x", "X", ("p", "q")), ((3, 4), (1, 1), (4, 5), (3, 3)))
    (p1, p2), _ = protect([t1, t2], DisclosureRules())
    assert p1.row_labels == ("2017\u20132018", "2019", "2020")
    assert p1.body() == [["2017\u20132018", "9"], ["2019", "9"], ["2020", "6"], ["Total", "24"]]
    assert p2.row_labels == p1.row_labels


def test_everything_withheld_when_the_grand_total_is_small():
    rows = Axis("year", "Year", ("2017", "2018"), ordinal=True)
    t1 = Table("a", "A", rows, None, ((1,), (2,)))
    t2 = Table("b", "B", rows, Axis("x", "X", ("p", "q")), ((1, 0), (1, 1)))
    published, report = protect([t1, t2], DisclosureRules())
    assert all(p.withheld for p in published)
    assert report.count("withheld-table") == 2
    assert {c.text for p in published for line in p.grid for c in line} == {"*"}


def test_suppress_returns_none_when_only_forbidden_cells_could_protect():
    g = _extended(((3, 12),))
    assert suppress(g, 5, forbidden={(0, 2), (1, 0), (1, 1), (1, 2)}) is None


@pytest.mark.parametrize("kw", [{"threshold": 1}, {"rounding": 1}, {"marker": " "}])
def test_bad_rules(kw):
    with pytest.raises(InputError):
        DisclosureRules(**kw)


def test_tables_protected_together_must_count_the_same_records():
    rows = Axis("year", "Year", ("2017",))
    with pytest.raises(InputError, match="grand totals differ"):
        protect([Table("a", "", rows, None, ((6,),)), Table("b", "", rows, None, ((7,),))])
