"""Differential privacy for member-count tables with OpenDP (clause P14).

A member-count table puts each member in exactly one cell, so adding or removing one
member changes one cell by one: L1 sensitivity 1. OpenDP's Laplace mechanism on integers
(the discrete Laplace, i.e. two-sided geometric) with scale 1/epsilon is then
epsilon-differentially private for the whole table; totals are sums of the noisy cells
(post-processing), so they cost no more budget.
"""

from dataclasses import dataclass

import opendp.prelude as dp

dp.enable_features("contrib")


@dataclass(frozen=True)
class NoisyCounts:
    """Noisy counts (negatives clamped to 0, a post-processing step) and the epsilon spent."""

    values: list[int]
    epsilon: float


def laplace_counts(*, values: list[int], epsilon: float) -> NoisyCounts:
    """Return ``values`` with discrete Laplace noise of scale 1/``epsilon`` added.

    ``epsilon`` must be > 0; the returned epsilon is OpenDP's privacy map of a distance
    of 1, the budget this release spends. Raises ValueError for epsilon <= 0.
    """
    if epsilon <= 0:
        raise ValueError("epsilon must be greater than 0.")
    measurement = dp.m.make_laplace(
        dp.vector_domain(dp.atom_domain(T=int)), dp.l1_distance(T=int), scale=1.0 / epsilon
    )
    noisy = measurement([int(v) for v in values])
    return NoisyCounts(values=[max(0, int(v)) for v in noisy], epsilon=float(measurement.map(1)))
