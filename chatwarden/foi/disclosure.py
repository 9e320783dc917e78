"""Statistical disclosure control for FOI tables of counts.

A published table shows each cell, each row and column total and the grand total.  Four
safeguards, applied in this order:

1. **Coarsening.**  A category whose total is a small number (1 to threshold-1) is merged:
   adjacent values of an ordered axis (years, rank groups) are joined ("2017-2018"); small
   values of an unordered axis (outcomes, categories) go into "Other".  Axes shared by
   several published tables are always coarsened, so that every total that appears in more
   than one table is safe to publish and is the same everywhere (no table can then be used
   to unpick another).  Other axes are coarsened when ``DisclosureRules.coarsen`` is on.
2. **Primary suppression.**  Every count from 1 to threshold-1 (default: 1-4) is withheld.
   Zero is shown: it names nobody.
3. **Secondary suppression.**  More cells are withheld until no withheld count can be
   worked out from what is published.  The published equations are "the cells of a line
   add up to its total"; with the line totals in the table the whole table is a bipartite
   graph (lines are vertices, cells are edges) and, after a change of sign for the totals,
   the undetermined directions are exactly the circulations on the withheld edges.  A
   withheld count is therefore pinned exactly when no cycle of withheld cells passes
   through it that can move both ways (a withheld zero can only go up, since counts are
   never negative).  :func:`pinned_cells` checks this exactly; :func:`protect` adds the
   cheapest path of further cells (small counts first, totals and zeros last) until
   nothing is pinned.  A table that cannot be protected without a total that must stay
   published is withheld whole.
4. **Rounding** (optional): published counts are rounded to a base (e.g. 5) after
   suppression; totals are rounded separately.

Every step is written to a :class:`DisclosureReport` for the case file.  It holds the real
counts and must not go to the requester.  The legend printed under a table does not say
which withheld cells are small and which are withheld for protection (one marker for both).
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from chatwarden.errors import InputError

PUBLISHED, PRIMARY, SECONDARY, WITHHELD = "published", "primary", "secondary", "withheld"
_INF = float("inf")


@dataclass(frozen=True)
class DisclosureRules:
    """``threshold``: counts from 1 to threshold-1 are withheld (default 5: "fewer than 5").
    ``marker``: what a withheld cell shows.  ``rounding``: base to round published counts to
    (None: exact).  ``coarsen``: merge small categories of axes used by one table only
    (shared axes are always coarsened)."""

    threshold: int = 5
    marker: str = "*"
    rounding: int | None = None
    coarsen: bool = True

    def __post_init__(self) -> None:
        if self.threshold < 2:
            raise InputError("the small-number threshold must be at least 2")
        if self.rounding is not None and self.rounding < 2:
            raise InputError("the rounding base must be at least 2")
        if not self.marker.strip():
            raise InputError("the marker for withheld counts must not be blank")

    def legend(self) -> str:
        small = "1" if self.threshold == 2 else f"1 to {self.threshold - 1}"
        text = (f"{self.marker} = a number from {small}, or a number withheld so that such a number cannot be "
                "worked out from the totals.")
        if self.rounding:
            text += (f" Other figures are rounded to the nearest {self.rounding}; totals are rounded separately "
                     "and may not equal the sum of the figures shown.")
        return text


@dataclass(frozen=True)
class Axis:
    """One dimension of a table.  ``ordinal``: values have an order (merge neighbours)."""

    name: str
    title: str
    labels: tuple[str, ...]
    ordinal: bool = False
    other_label: str = "Other"
    merge_label: Callable[[Sequence[str]], str] | None = field(default=None, compare=False)

    def joined(self, labels: Sequence[str]) -> str:
        if self.merge_label is not None:
            return self.merge_label(labels)
        if len(labels) == 1:
            return labels[0]
        return f"{labels[0]}\u2013{labels[-1]}" if self.ordinal else self.other_label


@dataclass(frozen=True)
class Table:
    """Counts by ``rows`` (and ``cols``; None: a one-way table with a single "Number"
    column).  ``counts[i][j]``: every counted record falls in exactly one cell."""

    key: str
    title: str
    rows: Axis
    cols: Axis | None
    counts: tuple[tuple[int, ...], ...]
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        ncols = len(self.cols.labels) if self.cols else 1
        if len(self.counts) != len(self.rows.labels) or any(len(r) != ncols for r in self.counts):
            raise InputError(f"table {self.key}: the counts do not match the labels")
        if any(v < 0 for r in self.counts for v in r):
            raise InputError(f"table {self.key}: negative count")

    @property
    def col_labels(self) -> tuple[str, ...]:
        return self.cols.labels if self.cols else ("Number",)

    @property
    def col_title(self) -> str:
        return self.cols.title if self.cols else ""


@dataclass(frozen=True)
class Cell:
    """A published cell.  ``value`` is None when withheld; ``text`` is what is shown."""

    value: int | None
    text: str
    status: str

    @property
    def suppressed(self) -> bool:
        return self.value is None


@dataclass(frozen=True)
class PublishedTable:
    """A protected table.  ``grid`` is (rows+1) x (cols+1): the last row holds the column
    totals, the last column the row totals, the corner the grand total.  A one-way table
    (``one_way``) shows no row-total column (it would repeat the counts); a table of one
    row shows no total row."""

    key: str
    title: str
    row_title: str
    col_title: str
    row_labels: tuple[str, ...]
    col_labels: tuple[str, ...]
    grid: tuple[tuple[Cell, ...], ...]
    one_way: bool
    withheld: bool
    legend: str
    notes: tuple[str, ...] = ()

    @property
    def show_row_totals(self) -> bool:
        return not self.one_way and len(self.col_labels) > 1

    @property
    def show_total_row(self) -> bool:
        return len(self.row_labels) > 1

    def header(self) -> list[str]:
        head = [self.row_title, *self.col_labels]
        if self.show_row_totals:
            head.append("Total")
        return head

    def body(self) -> list[list[str]]:
        """Rows as shown (labels and texts), the total row last."""
        out = []
        for i, label in enumerate(self.row_labels):
            out.append([label, *self._line(self.grid[i])])
        if self.show_total_row:
            out.append(["Total", *self._line(self.grid[-1])])
        return out

    def _line(self, cells: tuple[Cell, ...]) -> list[str]:
        shown = [c.text for c in cells[:-1]]
        if self.show_row_totals:
            shown.append(cells[-1].text)
        return shown

    def values(self) -> list[list[int | str]]:
        """Like :meth:`body` with published counts as ints (for spreadsheets)."""
        out: list[list[int | str]] = []
        labels = list(self.row_labels) + (["Total"] if self.show_total_row else [])
        rows = list(self.grid[:-1]) + ([self.grid[-1]] if self.show_total_row else [])
        for label, cells in zip(labels, rows):
            line = list(cells[:-1]) + ([cells[-1]] if self.show_row_totals else [])
            out.append([label, *[c.text if c.value is None or c.text != str(c.value) else c.value for c in line]])
        return out


@dataclass(frozen=True)
class ReportEntry:
    table: str
    row: str
    col: str
    value: int | None
    action: str  # primary | secondary | coarsened | withheld-table | rounded
    reason: str


@dataclass
class DisclosureReport:
    """What was withheld, merged or rounded, and why: for the case file, not the requester
    (it holds the real counts)."""

    rules: DisclosureRules
    entries: list[ReportEntry] = field(default_factory=list)

    def add(self, table: str, row: str, col: str, value: int | None, action: str, reason: str) -> None:
        self.entries.append(ReportEntry(table, row, col, value, action, reason))

    def as_dicts(self) -> list[dict[str, Any]]:
        return [e.__dict__.copy() for e in self.entries]

    def count(self, action: str) -> int:
        return sum(1 for e in self.entries if e.action == action)

    def to_text(self) -> str:
        r = self.rules
        lines = ["DISCLOSURE CONTROL REPORT (case file only: holds real counts; do not release)", "",
                 f"Threshold: counts from 1 to {r.threshold - 1} withheld; marker {r.marker!r}; "
                 f"rounding: {('base ' + str(r.rounding)) if r.rounding else 'none'}; "
                 f"coarsening of unshared axes: {'on' if r.coarsen else 'off'}.",
                 f"Primary suppressions: {self.count(PRIMARY)}; secondary: {self.count(SECONDARY)}; "
                 f"merges: {self.count('coarsened')}; tables withheld: {self.count('withheld-table')}.", ""]
        for e in self.entries:
            where = " / ".join(x for x in (e.row, e.col) if x)
            val = "" if e.value is None else f" = {e.value}"
            lines.append(f"[{e.table}] {e.action}: {where}{val}: {e.reason}")
        return "\n".join(lines) + "\n"


# ---------------------------------------------------------------------------- coarsening
def _merge_plan(axis: Axis, totals: Sequence[int], threshold: int) -> list[list[int]]:
    """Groups of label indexes so that no group total is from 1 to threshold-1 (where the
    axis allows it).  Ordered axes merge a small group with its smaller neighbour; unordered
    axes pour small groups into "Other" (then the smallest others, until it is big enough)."""
    groups = [[i] for i in range(len(axis.labels))]
    tot = list(totals)

    def small(t: int) -> bool:
        return 0 < t < threshold

    if axis.ordinal:
        while len(groups) > 1:
            cands = [g for g in range(len(groups)) if small(tot[g])]
            if not cands:
                break
            g = min(cands, key=lambda k: (tot[k], k))
            nbrs = [n for n in (g - 1, g + 1) if 0 <= n < len(groups)]
            n = min(nbrs, key=lambda k: (tot[k] == 0, tot[k], k))
            a, b = min(g, n), max(g, n)
            groups[a:b + 1] = [groups[a] + groups[b]]
            tot[a:b + 1] = [tot[a] + tot[b]]
        return groups
    other_idx = [i for i, lab in enumerate(axis.labels) if lab == axis.other_label]
    pool = [g for g in range(len(groups)) if small(tot[g])]
    if not pool:
        return groups
    pool_set = set(pool) | set(other_idx)
    pooled = sum(tot[g] for g in pool_set)
    rest = [g for g in range(len(groups)) if g not in pool_set]
    while small(pooled) and rest:
        g = min(rest, key=lambda k: (tot[k] == 0, tot[k], k))
        rest.remove(g)
        pool_set.add(g)
        pooled += tot[g]
    merged = sorted(i for g in pool_set for i in groups[g])
    out = [groups[g] for g in range(len(groups)) if g not in pool_set]
    if len(merged) >= 1:
        out.append(merged)
    return out


def _apply_plan(axis: Axis, plan: list[list[int]]) -> Axis:
    labels = tuple(axis.labels[g[0]] if len(g) == 1 else axis.joined([axis.labels[i] for i in g]) for g in plan)
    return replace(axis, labels=labels)


def _regroup(counts: tuple[tuple[int, ...], ...], row_plan: list[list[int]] | None,
             col_plan: list[list[int]] | None) -> tuple[tuple[int, ...], ...]:
    rows = [list(r) for r in counts]
    if row_plan is not None:
        rows = [[sum(rows[i][j] for i in g) for j in range(len(rows[0]))] for g in row_plan]
    if col_plan is not None:
        rows = [[sum(r[j] for j in g) for g in col_plan] for r in rows]
    return tuple(tuple(r) for r in rows)


def _axis_totals(t: Table, which: str) -> list[int]:
    if which == "rows":
        return [sum(r) for r in t.counts]
    return [sum(t.counts[i][j] for i in range(len(t.counts))) for j in range(len(t.col_labels))]


# ---------------------------------------------------------------------------- the graph
def _extended(counts: tuple[tuple[int, ...], ...]) -> list[list[int]]:
    R, C = len(counts), len(counts[0])
    g = [list(r) + [sum(r)] for r in counts]
    g.append([sum(counts[i][j] for i in range(R)) for j in range(C)] + [sum(sum(r) for r in counts)])
    return g


def _directions(i: int, j: int, v: int, R: int, C: int) -> tuple[bool, bool]:
    """(forward, backward): may this cell's edge carry flow row->col / col->row?  Totals
    enter the line equations with the opposite sign; a zero count can only increase."""
    if v > 0:
        return True, True
    sign = 1 if (i < R) == (j < C) else -1
    return (sign > 0), (sign < 0)


def _reachable(src: int, dst: int, adj: dict[int, list[tuple[int, tuple[int, int]]]], skip: tuple[int, int]) -> bool:
    seen = {src}
    stack = [src]
    while stack:
        u = stack.pop()
        if u == dst:
            return True
        for v, e in adj.get(u, ()):
            if e != skip and v not in seen:
                seen.add(v)
                stack.append(v)
    return False


def _digraph(grid: list[list[int]], cells: set[tuple[int, int]]) -> dict[int, list[tuple[int, tuple[int, int]]]]:
    R, C = len(grid) - 1, len(grid[0]) - 1
    adj: dict[int, list[tuple[int, tuple[int, int]]]] = {}
    for (i, j) in cells:
        rn, cn = i, R + 1 + j
        fwd, bwd = _directions(i, j, grid[i][j], R, C)
        if fwd:
            adj.setdefault(rn, []).append((cn, (i, j)))
        if bwd:
            adj.setdefault(cn, []).append((rn, (i, j)))
    return adj


def pinned_cells(grid: Sequence[Sequence[int]], suppressed: set[tuple[int, int]]) -> list[tuple[int, int]]:
    """The withheld cells of an extended grid (last row and column are totals) whose value
    follows from the published cells, the line equations and non-negativity."""
    g = [list(r) for r in grid]
    R, C = len(g) - 1, len(g[0]) - 1
    adj = _digraph(g, suppressed)
    out = []
    for (i, j) in sorted(suppressed):
        rn, cn = i, R + 1 + j
        fwd, bwd = _directions(i, j, g[i][j], R, C)
        free = (fwd and _reachable(cn, rn, adj, (i, j))) or (bwd and _reachable(rn, cn, adj, (i, j)))
        if not free:
            out.append((i, j))
    return out


def _cheapest_cycle(g: list[list[int]], suppressed: set[tuple[int, int]], forbidden: set[tuple[int, int]],
                    k: tuple[int, int], cost: Callable[[int, int], float]) -> list[tuple[int, int]] | None:
    """Cells to add so that ``k`` lies on a usable cycle: the cheapest path between the
    ends of ``k`` (withheld cells cost nothing), over both ways round."""
    R, C = len(g) - 1, len(g[0]) - 1
    adj: dict[int, list[tuple[int, tuple[int, int], float]]] = {}
    for i in range(R + 1):
        for j in range(C + 1):
            if (i, j) == k or ((i, j) in forbidden and (i, j) not in suppressed):
                continue
            w = 0.0 if (i, j) in suppressed else cost(i, j)
            fwd, bwd = _directions(i, j, g[i][j], R, C)
            if fwd:
                adj.setdefault(i, []).append((R + 1 + j, (i, j), w))
            if bwd:
                adj.setdefault(R + 1 + j, []).append((i, (i, j), w))

    def dijkstra(src: int, dst: int) -> tuple[float, list[tuple[int, int]]] | None:
        dist = {src: 0.0}
        prev: dict[int, tuple[int, tuple[int, int]]] = {}
        heap = [(0.0, src)]
        while heap:
            d, u = heapq.heappop(heap)
            if u == dst:
                path = []
                while u != src:
                    p, e = prev[u]
                    path.append(e)
                    u = p
                return d, path
            if d > dist.get(u, _INF):
                continue
            for v, e, w in adj.get(u, ()):
                nd = d + w
                if nd < dist.get(v, _INF) - 1e-12:
                    dist[v] = nd
                    prev[v] = (u, e)
                    heapq.heappush(heap, (nd, v))
        return None

    i, j = k
    fwd, bwd = _directions(i, j, g[i][j], R, C)
    best: tuple[float, list[tuple[int, int]]] | None = None
    for ok, src, dst in ((fwd, R + 1 + j, i), (bwd, i, R + 1 + j)):
        if not ok:
            continue
        found = dijkstra(src, dst)
        if found is not None and (best is None or found[0] < best[0]):
            best = found
    if best is None:
        return None
    return [e for e in best[1] if e not in suppressed]


def suppress(grid: Sequence[Sequence[int]], threshold: int, forbidden: set[tuple[int, int]] = frozenset(),
             ) -> tuple[dict[tuple[int, int], str], dict[tuple[int, int], tuple[int, int]]] | None:
    """Primary and secondary suppression on an extended grid.  Returns (status by withheld
    cell, the cell each secondary one protects), or None when the table cannot be protected
    without a cell in ``forbidden`` (totals that must stay published)."""
    g = [list(r) for r in grid]
    R, C = len(g) - 1, len(g[0]) - 1
    status: dict[tuple[int, int], str] = {}
    protects: dict[tuple[int, int], tuple[int, int]] = {}
    for i in range(R + 1):
        for j in range(C + 1):
            if 0 < g[i][j] < threshold:
                if (i, j) in forbidden:
                    return None
                status[(i, j)] = PRIMARY

    def cost(i: int, j: int) -> float:
        v = g[i][j]
        margin = (i == R) or (j == C)
        base = 10_000.0 if v == 0 else float(v + 1)
        return base * (20.0 if margin else 1.0)

    while True:
        pinned = pinned_cells(g, set(status))
        if not pinned:
            return status, protects
        pinned.sort(key=lambda c: (status[c] != PRIMARY, c))
        k = pinned[0]
        extra = _cheapest_cycle(g, set(status), set(forbidden), k, cost)
        if not extra:
            return None
        for e in extra:
            status[e] = SECONDARY
            protects[e] = k


# ---------------------------------------------------------------------------- protect
def _round(v: int, base: int) -> int:
    return ((v + base // 2) // base) * base


def protect(tables: Sequence[Table], rules: DisclosureRules = DisclosureRules(),
            report: DisclosureReport | None = None) -> tuple[list[PublishedTable], DisclosureReport]:
    """Protect a set of tables drawn from the same records (e.g. year by rank, year by
    outcome).  Totals shared between tables are made safe by coarsening and then kept
    published and identical, so each table can be protected on its own."""
    report = report if report is not None else DisclosureReport(rules)
    if not tables:
        return [], report
    t_ = rules.threshold
    uses: dict[str, int] = {}
    for t in tables:
        for ax in (t.rows, t.cols):
            if ax is not None:
                uses[ax.name] = uses.get(ax.name, 0) + 1
    several = len(tables) > 1
    grand = sum(sum(r) for r in tables[0].counts)
    if several and any(sum(sum(r) for r in t.counts) != grand for t in tables):
        raise InputError("tables protected together must count the same records (their grand totals differ)")

    # 1. coarsening: one plan per axis, from that axis's totals (the same in every table)
    plans: dict[str, list[list[int]]] = {}
    for t in tables:
        for which, ax in (("rows", t.rows), ("cols", t.cols)):
            if ax is None or ax.name in plans:
                continue
            shared = uses[ax.name] > 1
            if shared or rules.coarsen:
                plan = _merge_plan(ax, _axis_totals(t, which), t_)
                if len(plan) < len(ax.labels):
                    plans[ax.name] = plan
                    totals = _axis_totals(t, which)
                    for grp in plan:
                        if len(grp) > 1:
                            report.add("all tables" if shared else t.key, ax.title,
                                       _apply_plan(ax, [grp]).labels[0], sum(totals[i] for i in grp), "coarsened",
                                       "merged " + "; ".join(ax.labels[i] for i in grp)
                                       + f": a category total was from 1 to {t_ - 1}")

    out: list[PublishedTable] = []
    for t in tables:
        rows_ax = _apply_plan(t.rows, plans[t.rows.name]) if t.rows.name in plans else t.rows
        cols_ax = (_apply_plan(t.cols, plans[t.cols.name]) if t.cols and t.cols.name in plans else t.cols)
        counts = _regroup(t.counts, plans.get(t.rows.name), plans.get(t.cols.name) if t.cols else None)
        col_labels = cols_ax.labels if cols_ax else ("Number",)
        g = _extended(counts)
        R, C = len(g) - 1, len(g[0]) - 1
        forbidden: set[tuple[int, int]] = set()
        if several:
            forbidden.add((R, C))
        if uses.get(t.rows.name, 0) > 1:
            forbidden |= {(i, C) for i in range(R)}
            if cols_ax is None:
                forbidden |= {(i, 0) for i in range(R)}
        if cols_ax is not None and uses.get(cols_ax.name, 0) > 1:
            forbidden |= {(R, j) for j in range(C)}
        if cols_ax is None and several:
            forbidden.add((R, 0))  # a one-way table's total row repeats the grand total
        result = None if (several and 0 < grand < t_) else suppress(g, t_, forbidden)

        def label(i: int, j: int) -> tuple[str, str]:
            return (rows_ax.labels[i] if i < R else "Total", col_labels[j] if j < C else "Total")

        if result is None:
            why = (f"the grand total is from 1 to {t_ - 1}" if 0 < grand < t_
                   else "no pattern of withheld cells protects the small numbers while the shared totals stay "
                        "published")
            report.add(t.key, "", "", None, "withheld-table", f"whole table withheld: {why}")
            grid = tuple(tuple(Cell(None, rules.marker, WITHHELD) for _ in range(C + 1)) for _ in range(R + 1))
            out.append(PublishedTable(t.key, t.title, rows_ax.title, t.col_title, rows_ax.labels, col_labels, grid,
                                      cols_ax is None, True, rules.legend(), t.notes))
            continue
        status, protects = result
        for (i, j), st in sorted(status.items(), key=lambda kv: (kv[1] != PRIMARY, kv[0])):
            r, c = label(i, j)
            if st == PRIMARY:
                report.add(t.key, r, c, g[i][j], PRIMARY, f"count from 1 to {t_ - 1}: could identify a person")
            else:
                pr, pc = label(*protects[(i, j)])
                report.add(t.key, r, c, g[i][j], SECONDARY,
                           f"withheld so that the count at {pr} / {pc} cannot be worked out from the totals")
        cells = []
        for i in range(R + 1):
            line = []
            for j in range(C + 1):
                if (i, j) in status:
                    line.append(Cell(None, rules.marker, status[(i, j)]))
                else:
                    v = g[i][j] if not rules.rounding else _round(g[i][j], rules.rounding)
                    line.append(Cell(v, str(v), PUBLISHED))
            cells.append(tuple(line))
        if rules.rounding:
            report.add(t.key, "", "", None, "rounded", f"published counts rounded to the nearest {rules.rounding}")
        out.append(PublishedTable(t.key, t.title, rows_ax.title, t.col_title, rows_ax.labels, col_labels,
                                  tuple(cells), cols_ax is None, False, rules.legend(), t.notes))
    return out, report
