"""Issue 7.2, short version: 20 SIGKILLs of `python -m core run` (bench/crash.py runs 200)."""
import sys

from helpers import ROOT

sys.path.insert(0, str(ROOT / "bench"))
from crash import crash_trials  # noqa: E402


def test_sigkill_at_random_moments_never_leaves_a_partial_analysis(tmp_path):
    result = crash_trials(20, tmp_path, seed=1, max_delay=12.0, log=lambda *_: None)
    assert not result["bad"], result["bad"]
    assert result["rerun_ok"]
    assert sum(result["states"].values()) == 20
    # the kills must land inside the analysis, not only before or after it (a kill during start-up reads the
    # previous run's "done")
    inside = sum(n for stage, n in result["stages"].items() if stage not in ("done", "start-up"))
    assert result["states"].get("previous", 0) >= 5 and inside >= 5 and result["states"].get("complete", 0) >= 1, result
