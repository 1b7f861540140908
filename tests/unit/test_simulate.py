"""The shopper simulator's determinism and the A/B statistics' honesty."""
import numpy as np
import pytest
from scipy import stats

from core.simulate import (ShopperParams, judge, sample_size_per_arm, simulate_shoppers, two_proportion_p_value,
                           wilson_interval)

ASPECTS = np.array([[0.8, -0.2], [-0.5, 0.9], [0.1, 0.1], [0.6, 0.6]])
POPULARITY = np.array([10.0, 5.0, 20.0, 2.0])


def test_simulator_is_deterministic_under_a_seed_and_varies_across_seeds():
    a, needs_a = simulate_shoppers(ASPECTS, POPULARITY, ShopperParams(users=50, seed=3))
    b, needs_b = simulate_shoppers(ASPECTS, POPULARITY, ShopperParams(users=50, seed=3))
    c, _ = simulate_shoppers(ASPECTS, POPULARITY, ShopperParams(users=50, seed=4))
    assert a.equals(b) and np.array_equal(needs_a, needs_b)
    assert not a.equals(c)
    assert len(a) == 50 * 12 and set(a["event"]) <= {"view", "purchase"}


def test_shoppers_choose_what_matches_their_needs():
    frame, needs = simulate_shoppers(ASPECTS, np.ones(4), ShopperParams(users=400, need_weight=4.0, noise=0.5, seed=1))
    first_need = needs.argmax(axis=1)[frame["user"].str[-5:].astype(int)]
    assert (frame.loc[first_need == 0, "item"] == 0).mean() > (frame.loc[first_need == 1, "item"] == 0).mean() + 0.2


def test_wilson_interval_covers_the_rate():
    low, high = wilson_interval(30, 200)
    assert low < 0.15 < high and 0 <= low and high <= 1


def test_sample_size_matches_the_textbook_value():
    # 10% -> 12%, alpha 0.05 two-sided, power 0.8: about 3,840 per arm (Fleiss, pooled/unpooled form).
    assert 3700 <= sample_size_per_arm(0.10, 0.12) <= 4000


def test_a_known_effect_is_detected_at_the_stated_power():
    rng = np.random.default_rng(0)
    n = sample_size_per_arm(0.10, 0.12, power=0.8)
    detected = [two_proportion_p_value(rng.binomial(n, 0.10), n, rng.binomial(n, 0.12), n) < 0.05 for _ in range(600)]
    assert 0.74 <= np.mean(detected) <= 0.86


def test_no_effect_gives_uniform_p_values():
    rng = np.random.default_rng(1)
    p = [two_proportion_p_value(rng.binomial(2000, 0.1), 2000, rng.binomial(2000, 0.1), 2000) for _ in range(800)]
    assert stats.kstest(p, "uniform").pvalue > 0.01
    assert 0.03 <= np.mean(np.array(p) < 0.05) <= 0.07


def test_verdict_is_plain_language():
    win = judge("popularity", "need_aware", 100, 1000, 160, 1000)
    assert win.verdict.startswith("need_aware wins") and win.p_value < 0.05
    tie = judge("popularity", "need_aware", 100, 1000, 104, 1000)
    assert tie.verdict.startswith("No significant difference") and tie.needed_per_arm > 1000
