"""Small-cell and complementary suppression, and the totals-based recovery attack (P14)."""

import random
from fractions import Fraction

import pytest

from lead411.reports.suppression import CountTable, recoverable_cells, suppress

K = 10


def attacker_recovers(
    released, with_row_totals: bool, true_grid=None
) -> dict[tuple[int, int], Fraction]:
    """An independent attacker: solve the released sums for every hidden cell.

    Unknowns are the hidden cells of the augmented grid; each row (when row totals are
    released) and each column gives one equation. Gaussian elimination over the rationals
    finds every unknown the equations pin to a single value, and that value. With
    ``true_grid`` the attacker also knows every total (the last row and column).
    """
    grid = [list(row) for row in released.grid]
    if true_grid is None:
        # Without the totals, a pessimistic attacker knows which cells are empty.
        for i, row in enumerate(released.table.grid()):
            for j, value in enumerate(row):
                if value == 0:
                    grid[i][j] = 0
    else:
        last_i, last_j = len(grid) - 1, len(grid[0]) - 1
        for i in range(len(grid)):
            for j in range(len(grid[0])):
                if i == last_i or (with_row_totals and j == last_j):
                    grid[i][j] = true_grid[i][j]
    n_rows, n_cols = len(grid), len(grid[0])
    unknowns = [(i, j) for i in range(n_rows) for j in range(n_cols) if grid[i][j] is None]
    index = {cell: u for u, cell in enumerate(unknowns)}
    equations = []  # (coefficients over unknowns, constant)

    def line(cells_with_sign):
        coeffs = [Fraction(0)] * len(unknowns)
        const = Fraction(0)
        for (i, j), sign in cells_with_sign:
            if grid[i][j] is None:
                coeffs[index[(i, j)]] += sign
            else:
                const -= sign * grid[i][j]
        equations.append((coeffs, const))

    data_cols = n_cols - 1 if with_row_totals else n_cols
    if with_row_totals:
        for i in range(n_rows):
            line([((i, j), 1) for j in range(data_cols)] + [((i, n_cols - 1), -1)])
    for j in range(n_cols):
        line([((i, j), 1) for i in range(n_rows - 1)] + [((n_rows - 1, j), -1)])
    # Reduced row echelon form.
    rows = [[*coeffs, const] for coeffs, const in equations]
    pivot_cols = []
    r = 0
    for c in range(len(unknowns)):
        pivot = next((i for i in range(r, len(rows)) if rows[i][c] != 0), None)
        if pivot is None:
            continue
        rows[r], rows[pivot] = rows[pivot], rows[r]
        rows[r] = [v / rows[r][c] for v in rows[r]]
        for i in range(len(rows)):
            if i != r and rows[i][c] != 0:
                factor = rows[i][c]
                rows[i] = [a - factor * b for a, b in zip(rows[i], rows[r], strict=True)]
        pivot_cols.append(c)
        r += 1
    recovered = {}
    for i, c in enumerate(pivot_cols):
        others = [v for j, v in enumerate(rows[i][:-1]) if j != c and v != 0]
        if not others:
            recovered[unknowns[c]] = rows[i][-1]
    return recovered


def one_column(values):
    return CountTable(
        title="t",
        row_header="Industry",
        rows=[f"row {chr(65 + i)}" for i in range(len(values))],
        columns=["Members"],
        values=[[v] for v in values],
    )


@pytest.mark.clause("P14")
def test_no_released_count_is_below_k():
    released = suppress(table=one_column([3, 20, 30, 0, 12]), k=K)
    values = [v for row in released.grid for v in row if v is not None]
    assert values
    assert min(values) >= K


@pytest.mark.clause("P14")
def test_a_lone_small_cell_gets_a_complement_so_the_total_does_not_give_it_away():
    released = suppress(table=one_column([3, 20, 30, 40]), k=K)
    assert released.grid == [[None], [None], [30], [40], [93]]
    assert released.primary == {(0, 0)}
    assert released.secondary == {(1, 0)}
    assert attacker_recovers(released, with_row_totals=False) == {}


@pytest.mark.clause("P14")
def test_two_way_table_hides_a_rectangle_not_a_line():
    table = CountTable(
        title="t",
        row_header="Week",
        rows=["w1", "w2", "w3"],
        columns=["x", "y", "z"],
        values=[[3, 20, 30], [15, 25, 35], [40, 11, 60]],
    )
    released = suppress(table=table, k=K)
    hidden = {(i, j) for i, row in enumerate(released.grid) for j, v in enumerate(row) if v is None}
    assert hidden == {(0, 0), (0, 1), (1, 0), (1, 1)}
    assert attacker_recovers(released, with_row_totals=True) == {}


@pytest.mark.clause("P14")
def test_few_contributors_hide_a_large_count():
    table = CountTable(
        title="t",
        row_header="Week",
        rows=["w1", "w2"],
        columns=["x", "y"],
        values=[[50, 30], [40, 60]],
        contributors=[[1, 12, 12], [11, 14, 20], [12, 20, 21]],
    )
    released = suppress(table=table, k=K)
    assert released.grid[0][0] is None  # 50 page views by one member


@pytest.mark.clause("P14")
def test_the_bridge_finder_agrees_with_the_attacker():
    # Cell (0, 0) alone in its row and column: the totals give it away.
    assert recoverable_cells(hidden={(0, 0)}, n_rows=3, n_cols=3, row_totals=True) == {(0, 0)}
    rectangle = {(0, 0), (0, 1), (1, 0), (1, 1)}
    assert recoverable_cells(hidden=rectangle, n_rows=3, n_cols=3, row_totals=True) == set()


@pytest.mark.clause("P14")
@pytest.mark.parametrize("seed", range(40))
def test_totals_based_recovery_recovers_no_hidden_cell(seed):
    rng = random.Random(seed)
    n_rows, n_cols = rng.randint(2, 7), rng.randint(1, 5)
    values = [
        [rng.choice([0, 1, 2, 4, 7, 9, 10, 12, 25, 40, 90]) for _ in range(n_cols)]
        for _ in range(n_rows)
    ]
    table = CountTable(
        title="t",
        row_header="r",
        rows=[f"r{i}" for i in range(n_rows)],
        columns=[f"c{j}" for j in range(n_cols)],
        values=values,
    )
    released = suppress(table=table, k=K)
    shown = [v for row in released.grid for v in row if v is not None]
    assert all(v >= K for v in shown)
    assert attacker_recovers(released, with_row_totals=table.with_row_totals) == {}
    known = attacker_recovers(
        released, with_row_totals=table.with_row_totals, true_grid=table.grid()
    )
    # Knowing every total, the attacker may pin empty cells, never a cell of members.
    assert all(value == 0 for value in known.values())


@pytest.mark.clause("P14")
def test_a_count_close_to_an_earlier_release_is_hidden():
    first = suppress(table=one_column([30, 12, 15, 40]), k=K)
    assert first.grid == [[30], [12], [15], [40], [97]]
    second = suppress(table=one_column([30, 13, 15, 40]), k=K, prior_releases=[first.released()])
    # 13 vs 12 and 98 vs 97 would reveal one member's row: both hidden, and another row
    # too, so the unchanged rows do not point at the one that changed.
    assert second.grid == [[30], [None], [None], [40], [None]]
    assert attacker_recovers(second, with_row_totals=False) == {}
    known = attacker_recovers(second, with_row_totals=False, true_grid=second.table.grid())
    assert known == {}
