"""Small-cell and complementary suppression of a count table with its totals (clause P14).

A table of r rows and c columns is released with its column totals, its row totals (when
c > 1) and the grand total. Seen as equations, the cells and totals form a bipartite
graph: one node per row and per column of the table *including* the total row and
column, and one edge per cell joining its row and its column; every node says "my cells
add up to my total". Hidden cells are the unknowns. An unknown is recoverable from the
released numbers exactly when its edge is a *bridge* among the hidden edges (it lies on
no cycle of hidden cells); on a cycle it can move up and down with its neighbours while
every sum stays the same (the standard result behind the "two per line" rule of
statistical disclosure control, Hundepool et al., *Statistical Disclosure Control*,
Wiley 2012, ch. 5). Without row totals the rows say nothing, so all row nodes merge into
one free node.

Primary suppression hides every count below k (zero included: "no released count below
k") and every cell with fewer than k contributing members. Complementary suppression then
hides more cells, the cheapest path of visible cells that closes a cycle, until no hidden
cell is a bridge, first with the released totals, then again supposing every total is
known to the reader (so two releases whose populations differ by one member do not
single out that member's cell).
"""

import heapq
from collections import defaultdict, deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

Cell = tuple[int, int]  # (row, column) in the augmented grid; index r / c is the total


@dataclass(frozen=True)
class CountTable:
    """True counts before release.

    ``values[i][j]`` is the count of row ``i``, column ``j``; ``contributors`` has the
    same shape as the augmented grid ((r+1) x (c+1) with row totals, (r+1) x c without)
    and holds the distinct members behind each cell and total; None means the counts
    are themselves member counts.
    """

    title: str
    row_header: str
    rows: list[str]
    columns: list[str]
    values: list[list[int]]
    contributors: list[list[int]] | None = None

    @property
    def with_row_totals(self) -> bool:
        """Row totals are released only when a row has more than one cell."""
        return len(self.columns) > 1

    def grid(self) -> list[list[int]]:
        """Return the augmented grid: cells, row totals (when released), column totals."""
        body = [list(row) + ([sum(row)] if self.with_row_totals else []) for row in self.values]
        width = len(self.columns) + (1 if self.with_row_totals else 0)
        totals = [sum(row[j] for row in body) for j in range(width)]
        return [*body, totals]

    def labels(self) -> list[tuple[str, str]]:
        """Return ``(row label, column label)`` of each augmented cell, row by row."""
        row_labels = [*self.rows, "Total"]
        col_labels = [*self.columns, *(["Total"] if self.with_row_totals else [])]
        return [(r, c) for r in row_labels for c in col_labels]


@dataclass
class SuppressedTable:
    """What may leave: the augmented grid with hidden cells as None, and why each is hidden."""

    table: CountTable
    k: int
    grid: list[list[int | None]]
    primary: set[Cell] = field(default_factory=set)
    secondary: set[Cell] = field(default_factory=set)

    def released(self) -> dict[str, int]:
        """Return ``{"row\\x1fcolumn": count}`` of the released cells (for the register)."""
        out: dict[str, int] = {}
        labels = iter(self.table.labels())
        for row in self.grid:
            for value in row:
                r, c = next(labels)
                if value is not None:
                    out[f"{r}\x1f{c}"] = value
        return out


def _node(cell: Cell, *, n_rows: int, row_totals: bool) -> tuple[str, str]:
    i, j = cell
    row_node = f"r{i}" if row_totals else "rows"
    return row_node, f"c{j}"


def _component(adj: Mapping[str, list[tuple[str, Cell]]], start: str, skip: Cell) -> set[str]:
    seen = {start}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for other, cell in adj[node]:
            if cell != skip and other not in seen:
                seen.add(other)
                queue.append(other)
    return seen


def recoverable_cells(
    *, hidden: set[Cell], n_rows: int, n_cols: int, row_totals: bool
) -> set[Cell]:
    """Return the hidden cells that released totals and cells determine exactly (bridges).

    ``n_rows`` and ``n_cols`` are the augmented grid's dimensions.
    """
    adj: dict[str, list[tuple[str, Cell]]] = defaultdict(list)
    for cell in hidden:
        a, b = _node(cell, n_rows=n_rows, row_totals=row_totals)
        adj[a].append((b, cell))
        adj[b].append((a, cell))
    found = set()
    for cell in hidden:
        a, b = _node(cell, n_rows=n_rows, row_totals=row_totals)
        if b not in _component(adj, a, cell):
            found.add(cell)
    return found


def suppress(
    *, table: CountTable, k: int, prior_releases: Sequence[Mapping[str, int]] = ()
) -> SuppressedTable:
    """Return ``table`` with small and recoverable cells hidden.

    ``k`` is the minimum released count. ``prior_releases`` are earlier released tables
    of the same report (``SuppressedTable.released()`` maps): a cell whose count differs
    from an earlier released count of the same row and column by 1 to k-1 is hidden too,
    since the difference would describe fewer than k members (differencing attack).
    """
    grid = table.grid()
    contributors = table.contributors or grid
    n_rows, n_cols = len(grid), len(grid[0])
    labels = table.labels()
    primary: set[Cell] = set()
    for i in range(n_rows):
        for j in range(n_cols):
            value = grid[i][j]
            key = "\x1f".join(labels[i * n_cols + j])
            near_prior = any(key in p and 0 < abs(p[key] - value) < k for p in prior_releases)
            if value < k or contributors[i][j] < k or near_prior:
                primary.add((i, j))
    hidden = set(primary)
    secondary: set[Cell] = set()
    n_data_rows, n_data_cols = len(table.rows), len(table.columns)
    positive = [(i, j) for i in range(n_rows) for j in range(n_cols) if grid[i][j] > 0]
    data_cells = [(i, j) for i in range(n_data_rows) for j in range(n_data_cols)]
    # Pass 1: the released totals must not give a hidden cell away, even to a reader who
    # knows which cells are empty (zeros describe nobody, so they need no protection).
    # Pass 2: neither must *known* totals (published elsewhere, or the difference of two
    # releases whose populations differ by one member): every non-empty hidden data cell
    # needs a cycle of hidden data cells.
    passes = ((positive, False), (data_cells, True))
    while True:
        path: list[Cell] = []
        for universe, positive_only in passes:
            allowed = set(universe)
            bridges = recoverable_cells(
                hidden=hidden & allowed,
                n_rows=n_rows,
                n_cols=n_cols,
                row_totals=table.with_row_totals,
            )
            if positive_only:
                bridges = {(i, j) for (i, j) in bridges if grid[i][j] > 0}
            if bridges:
                path = _complement_for(
                    bridge=min(bridges),
                    hidden=hidden,
                    grid=grid,
                    universe=universe,
                    row_totals=table.with_row_totals,
                )
                if not path:  # no cycle can be closed: hide everything rather than leak
                    path = [c for c in universe if c not in hidden]
                break
        if not path:  # no bridge left, or nothing left to hide
            break
        hidden.update(path)
        secondary.update(set(path) - primary)
    released: list[list[int | None]] = [
        [None if (i, j) in hidden else grid[i][j] for j in range(n_cols)] for i in range(n_rows)
    ]
    return SuppressedTable(table=table, k=k, grid=released, primary=primary, secondary=secondary)


def _complement_for(
    *,
    bridge: Cell,
    hidden: set[Cell],
    grid: list[list[int]],
    universe: list[Cell],
    row_totals: bool,
) -> list[Cell]:
    """Return the visible cells to hide so that ``bridge`` lies on a cycle of hidden cells.

    The cheapest path (Dijkstra; hidden cells cost 0, a visible cell costs its count, so
    the least information is lost) from the bridge's row node to its column node, not
    using the bridge and only cells of ``universe``. Empty when no such path exists.
    """
    n_rows = len(grid)
    edges: dict[str, list[tuple[str, Cell, int]]] = defaultdict(list)
    for i, j in universe:
        if (i, j) == bridge:
            continue
        a, b = _node((i, j), n_rows=n_rows, row_totals=row_totals)
        cost = 0 if (i, j) in hidden else grid[i][j]
        edges[a].append((b, (i, j), cost))
        edges[b].append((a, (i, j), cost))
    source, target = _node(bridge, n_rows=n_rows, row_totals=row_totals)
    best: dict[str, int] = {source: 0}
    via: dict[str, tuple[str, Cell]] = {}
    heap: list[tuple[int, str]] = [(0, source)]
    while heap:
        dist, node = heapq.heappop(heap)
        if node == target:
            break
        if dist > best.get(node, dist):
            continue
        for other, cell, cost in edges[node]:
            if dist + cost < best.get(other, dist + cost + 1):
                best[other] = dist + cost
                via[other] = (node, cell)
                heapq.heappush(heap, (dist + cost, other))
    if target not in via:
        return []
    path: list[Cell] = []
    node = target
    while node != source:
        node, cell = via[node]
        if cell not in hidden:
            path.append(cell)
    return path
