"""experiments/batch_size_speed.py, the side-by-side timing behind notebook 06's batches of 128, on tiny batches."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "experiments"))
import batch_size_speed as bench  # noqa: E402


def test_each_batch_size_gets_a_time_per_image(capsys):
    per_image = bench.main(["--sizes", "2", "4", "--rounds", "2", "--steps", "1"])
    assert set(per_image) == {2, 4} and all(t > 0 for t in per_image.values())
    out = capsys.readouterr().out
    assert "batch    2:" in out and "batch    4:" in out and "median of 2 steps each" in out


@pytest.mark.parametrize("args", [["--sizes", "0"], ["--rounds", "0"], ["--steps", "-1"]])
def test_sizes_and_counts_below_one_are_refused(args, capsys):
    with pytest.raises(SystemExit):
        bench.main(args)
    assert "must all be 1 or more" in capsys.readouterr().err
