"""experiments/choose_fast_recipe.py, the script behind notebook 07's choice (a lab note, not a test itself)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "experiments"))
import choose_fast_recipe as experiment  # noqa: E402

import helpers  # noqa: E402


def test_the_candidates_are_the_ones_the_lab_notes_list():
    notes = (Path(__file__).resolve().parent.parent / "experiments" / "fast_recipe.md").read_text()
    names = [recipe.name for recipe in experiment.candidates("cpu")]
    assert len(names) == len(set(names)) == 8
    assert "ours" in names and all(name in notes for name in names), names
    ours = helpers.speed.our_recipe("cpu")
    assert ours in experiment.candidates("cpu")  # the recipe notebook 07 races is among those chosen from


@pytest.mark.parametrize("n_valid", ["0", "60000"])
def test_a_held_out_set_that_leaves_nothing_says_so(capsys, n_valid):
    with pytest.raises(SystemExit):
        experiment.main(["--n-valid", n_valid, "--seeds", "0"])
    assert "--n-valid must be between 1 and 59,999" in capsys.readouterr().err
