"""Simulated shoppers and A/B tests (seeded, documented, no live traffic needed).

Shopper model. Each shopper u has latent needs n_u (a Dirichlet draw over the aspects — the workspace's need
themes) and each product i has aspect scores a_i in [-1, 1] (how much reviews praise (+) or criticise (-) it for
each aspect). A shopper's utility for a product is

    utility(u, i) = popularity_bias * log(popularity_i) + need_weight * (n_u . a_i) + noise * Gumbel

Browsing draws products with probability softmax(utility); a viewed product is bought with probability
sigmoid(purchase_bias + need_weight * (n_u . a_i)). Events are spread over `days` in time order.

A/B test. Visitors are drawn from the shopper population; each arm shows its recommender's top-k; a visitor
converts with probability sigmoid(purchase_bias + need_weight * max_j (n_u . a_j)) over the shown items (the best
match drives the decision) times position attention. The result is judged with a two-sided two-proportion z-test.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import stats


@dataclass(frozen=True)
class ShopperParams:
    """The simulator's knobs, shown on the Recommendations page."""

    users: int = 600
    events_per_user: int = 12
    popularity_bias: float = 0.6
    need_weight: float = 3.0
    noise: float = 1.0
    need_concentration: float = 0.3  # Dirichlet alpha: low = each shopper cares about few needs
    purchase_bias: float = -1.5
    days: int = 90
    seed: int = 7


def draw_needs(n_users: int, n_aspects: int, concentration: float, rng: np.random.Generator) -> np.ndarray:
    return rng.dirichlet(np.full(n_aspects, concentration), size=n_users)


def simulate_shoppers(aspects: np.ndarray, popularity: np.ndarray, params: ShopperParams,
                      items: np.ndarray | None = None) -> tuple[pd.DataFrame, np.ndarray]:
    """Browsing and purchase events, plus each shopper's latent needs. Same params -> same output."""
    rng = np.random.default_rng(params.seed)
    n_items, n_aspects = aspects.shape
    items = np.arange(n_items) if items is None else np.asarray(items)
    needs = draw_needs(params.users, n_aspects, params.need_concentration, rng)
    match = needs @ aspects.T  # users x items
    utility = params.popularity_bias * np.log(np.maximum(popularity, 1e-9))[None, :] + params.need_weight * match
    records = []
    start = pd.Timestamp("2026-01-01")
    for u in range(params.users):
        noisy = utility[u] + params.noise * rng.gumbel(size=(params.events_per_user, n_items))
        viewed = noisy.argmax(axis=1)  # Gumbel-max = a softmax draw
        bought = rng.random(params.events_per_user) < _sigmoid(params.purchase_bias + params.need_weight * match[u, viewed])
        times = np.sort(rng.uniform(0, params.days, params.events_per_user))
        for item, buy, t in zip(viewed, bought, times):
            records.append((f"shopper_{u:05d}", items[item], "purchase" if buy else "view", 2.0 if buy else 1.0,
                            start + pd.Timedelta(days=float(t))))
    frame = pd.DataFrame(records, columns=["user", "item", "event", "value", "ts"])
    return frame, needs


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


# --- A/B statistics ---------------------------------------------------------------------------------------------

@dataclass
class ABResult:
    arm_a: str
    arm_b: str
    n_a: int
    n_b: int
    conversions_a: int
    conversions_b: int
    p_value: float
    ci_a: tuple[float, float]
    ci_b: tuple[float, float]
    mde: float
    needed_per_arm: int | None
    verdict: str

    @property
    def rate_a(self) -> float:
        return self.conversions_a / max(self.n_a, 1)

    @property
    def rate_b(self) -> float:
        return self.conversions_b / max(self.n_b, 1)


def wilson_interval(successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion."""
    if n == 0:
        return (0.0, 1.0)
    z = stats.norm.ppf(0.5 + confidence / 2)
    p = successes / n
    centre = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return (max(0.0, centre - half), min(1.0, centre + half))


def two_proportion_p_value(x_a: int, n_a: int, x_b: int, n_b: int) -> float:
    """Two-sided pooled two-proportion z-test."""
    if n_a == 0 or n_b == 0:
        return 1.0
    pooled = (x_a + x_b) / (n_a + n_b)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n_a + 1 / n_b))
    if se == 0:
        return 1.0
    z = (x_b / n_b - x_a / n_a) / se
    return float(2 * stats.norm.sf(abs(z)))


def sample_size_per_arm(p_a: float, p_b: float, alpha: float = 0.05, power: float = 0.8) -> int | None:
    """Visitors per arm to detect p_a -> p_b with the given power (two-sided test); None when p_a == p_b."""
    if p_a == p_b:
        return None
    z_a, z_b = stats.norm.ppf(1 - alpha / 2), stats.norm.ppf(power)
    p_bar = (p_a + p_b) / 2
    numerator = (z_a * math.sqrt(2 * p_bar * (1 - p_bar)) + z_b * math.sqrt(p_a * (1 - p_a) + p_b * (1 - p_b))) ** 2
    return int(math.ceil(numerator / (p_a - p_b) ** 2))


def minimum_detectable_effect(p_a: float, n_a: int, n_b: int, alpha: float = 0.05, power: float = 0.8) -> float:
    """Smallest absolute lift detectable with the given visitors and power (normal approximation)."""
    if n_a == 0 or n_b == 0:
        return float("inf")
    z = stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power)
    return float(z * math.sqrt(p_a * (1 - p_a) * (1 / n_a + 1 / n_b)))


def judge(arm_a: str, arm_b: str, x_a: int, n_a: int, x_b: int, n_b: int, alpha: float = 0.05,
          power: float = 0.8) -> ABResult:
    """Everything a PM needs from one experiment, including a plain-language verdict."""
    p_value = two_proportion_p_value(x_a, n_a, x_b, n_b)
    rate_a, rate_b = x_a / max(n_a, 1), x_b / max(n_b, 1)
    mde = minimum_detectable_effect(rate_a, n_a, n_b, alpha, power)
    needed = sample_size_per_arm(rate_a, rate_b, alpha, power) if rate_a != rate_b else None
    lift = (rate_b - rate_a) / rate_a if rate_a else float("nan")
    if p_value < alpha:
        winner = arm_b if rate_b > rate_a else arm_a
        verdict = (f"{winner} wins: conversion {rate_b:.2%} vs {rate_a:.2%} ({lift:+.1%} relative), p = {p_value:.3g}. "
                   f"The difference is unlikely to be chance at the {alpha:.0%} level.")
    else:
        more = f" About {needed:,} visitors per arm would be needed to detect a difference this size." if needed else ""
        verdict = (f"No significant difference yet (p = {p_value:.2f}); with this traffic only a change of at least "
                   f"{mde:.2%} points could be detected reliably.{more}")
    return ABResult(arm_a, arm_b, n_a, n_b, x_a, x_b, p_value, wilson_interval(x_a, n_a), wilson_interval(x_b, n_b),
                    mde, needed, verdict)


def simulate_ab(recs_a: np.ndarray, recs_b: np.ndarray, needs: np.ndarray, aspects: np.ndarray, visitors: int,
                split: float, params: ShopperParams, names: tuple[str, str] = ("A", "B"), seed: int = 11) -> ABResult:
    """Send ``visitors`` simulated shoppers to arm A or B (share ``split`` to B); each sees that arm's top-k
    (rows of recs_* are per shopper, indexed like ``needs``) and converts per the shopper model."""
    rng = np.random.default_rng(seed)
    shoppers = rng.integers(0, len(needs), visitors)
    to_b = rng.random(visitors) < split
    attention = 1 / np.log2(np.arange(2, recs_a.shape[1] + 2))
    conversions = np.zeros(visitors, dtype=bool)
    for arm, recs in ((False, recs_a), (True, recs_b)):
        idx = np.flatnonzero(to_b == arm)
        match = np.einsum("va,vka->vk", needs[shoppers[idx]], aspects[recs[shoppers[idx]]])
        best = (match * attention).max(axis=1)
        conversions[idx] = rng.random(len(idx)) < _sigmoid(params.purchase_bias + params.need_weight * best)
    n_b = int(to_b.sum())
    return judge(names[0], names[1], int(conversions[~to_b].sum()), visitors - n_b, int(conversions[to_b].sum()), n_b)
