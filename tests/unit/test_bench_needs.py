"""The whole-file request estimators of bench/needs.py, on a pool whose every label is known."""
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))
import needs  # noqa: E402


def _pool():
    # stratum A: 10 snippets, a0-a4 flagged, a0-a3 and a5 requests; stratum C: 20, c0 and c1 flagged, c0 and c5 requests
    sha = [f"a{i}" for i in range(10)] + [f"c{i}" for i in range(20)]
    pool = pd.DataFrame({"sha1": sha, "text": sha, "stratum": ["A"] * 10 + ["C"] * 20})
    flags = np.array([s in {"a0", "a1", "a2", "a3", "a4", "c0", "c1"} for s in sha])
    label = np.array([s in {"a0", "a1", "a2", "a3", "a5", "c0", "c5"} for s in sha]).astype(int)
    return pool.assign(label=label), flags


def test_census_of_c_counts_labelled_flags_and_takes_the_sample_for_the_rest(tmp_path):
    pool, flags = _pool()
    sample = tmp_path / "sample.csv"
    pd.DataFrame({"sha1": ["c1"], "label": [0]}).to_csv(sample, index=False)
    exact = tmp_path / "exact.csv"
    pd.DataFrame({"sha1": ["c0"], "label": [1]}).to_csv(exact, index=False)
    assert needs.census_of_c(pool, flags, sample, (exact,))[:2] == (1.0, 1.0)
    # without the exact file, the sample's precision (0 of 1) stands for both flags
    assert needs.census_of_c(pool, flags, sample)[:2] == (0.0, 2.0)
    # two census files label the flags together: c0 right in one, c1 wrong in the other
    assert needs.census_of_c(pool, flags, (sample, exact))[:2] == (1.0, 1.0)


def test_by_flag_gives_the_true_figures_when_the_samples_are_the_whole_pool(capsys):
    pool, flags = _pool()
    frame = pool[pool.stratum == "A"]
    flagged = pd.Series(flags[: len(frame)], index=frame.index)
    # C: 1 right and 1 wrong flag, 1 request among its 18 unflagged snippets
    result = needs.by_flag(frame, flagged, pool, flags, (1.0, 1.0), (1, 18))
    assert result["precision"] == pytest.approx(5 / 7) and result["recall"] == pytest.approx(5 / 7)
    assert "| A | 10 | 5 | 4 / 5 = 0.800 | 1 / 5 | 4 | 1 |" in capsys.readouterr().out
    # flags labelled in an exact census count as labelled, whatever the sample's precision
    unflagged_only = frame[~flagged]
    exact = pool.set_index("sha1").loc[["a0", "a1", "a2", "a3", "a4"], "label"]
    result = needs.by_flag(unflagged_only, flagged[unflagged_only.index], pool, flags, (1.0, 1.0), (1, 18), exact=exact)
    assert result["precision"] == pytest.approx(5 / 7)


def test_by_flag_takes_more_unflagged_labels_for_the_miss_rate():
    pool, flags = _pool()
    frame = pool[pool.stratum == "A"]
    flagged = pd.Series(flags[: len(frame)], index=frame.index)
    # five more labelled unflagged A snippets without a request: the rate falls from 1 / 5 to 1 / 10
    quiet = {"A": [pd.DataFrame({"label": [0] * 5})]}
    result = needs.by_flag(frame, flagged, pool, flags, (1.0, 1.0), (1, 18), more_quiet=quiet)
    assert result["recall"] == pytest.approx(5 / 6.5)


def test_whole_file_interval_narrows_to_the_figure_when_every_flag_and_snippet_is_counted():
    # a stratum whose 10 flags are all labelled (8 right) and whose 90 unflagged snippets hold no request
    exact = [(0, (0, 0), 90, (0, 90), 8.0, 2.0)]
    (p_low, p_high), (r_low, r_high) = needs.whole_file_interval(exact)
    assert p_low == p_high == pytest.approx(0.8) and r_low == r_high == pytest.approx(1.0)
    # the same figure from a sample of 10 labelled flags of 100 and 30 of 900 unflagged (1 request): wide, around it
    sampled = [(100, (8, 10), 900, (1, 30), 0.0, 0.0)]
    (p_low, p_high), (r_low, r_high) = needs.whole_file_interval(sampled)
    assert p_low < 0.8 < p_high and p_high - p_low > 0.3
    assert r_low < 80 / 110 < r_high
