"""OpenDP noise: the epsilon a release spends is the mechanism's own privacy map (P14)."""

import pytest

from lead411.reports.noise import laplace_counts


@pytest.mark.clause("P14")
@pytest.mark.parametrize("epsilon", [0.1, 0.5, 1.0])
def test_the_stated_epsilon_is_the_mechanisms_privacy_loss(epsilon):
    noisy = laplace_counts(values=[100, 200, 300], epsilon=epsilon)
    assert noisy.epsilon == pytest.approx(epsilon)
    assert len(noisy.values) == 3
    assert all(v >= 0 for v in noisy.values)


@pytest.mark.clause("P14")
def test_noise_hides_a_single_member_in_repeated_draws():
    # With epsilon 0.5 the noise is two-sided geometric with scale 2: over many draws the
    # counts 10 and 11 (a population with and without one member) overlap heavily.
    with_member = [laplace_counts(values=[11], epsilon=0.5).values[0] for _ in range(400)]
    without = [laplace_counts(values=[10], epsilon=0.5).values[0] for _ in range(400)]
    overlap = set(with_member) & set(without)
    assert len(overlap) >= 5


def test_epsilon_must_be_positive():
    with pytest.raises(ValueError, match="epsilon must be greater than 0"):
        laplace_counts(values=[1], epsilon=0)
