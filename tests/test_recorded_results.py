"""The results the notebooks record reach their floors (tests/floors.py).

These run after the notebooks, in a second pytest call (`make test`: `pytest -m after_notebooks
tests/test_recorded_results.py`), which first removes the old quick-mode results so that a stale
file can't pass. The reference results shipped with the package hold exactly the results the
notebooks record.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from floors import FLOORS, OPTIONAL
from helpers._course.results import reference_results, results_dir

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"


@pytest.mark.after_notebooks
@pytest.mark.parametrize("notebook", sorted(FLOORS))
def test_notebook_results_reach_their_floors(notebook: str):
    folder = results_dir()
    mode = folder.name
    path = NOTEBOOKS / folder / f"{notebook}.json"
    assert path.exists(), f"{notebook} recorded nothing in {path}: run the notebooks first (make test does)"
    got = {(r["task"], r["method"]): r["value"] for r in json.loads(path.read_text())}
    floors = {**FLOORS[notebook], **OPTIONAL.get(notebook, {})}
    assert set(FLOORS[notebook]) <= set(got) <= set(floors), \
        f"{notebook} records {sorted(got)}; tests/floors.py lists {sorted(floors)}"
    low = {k: (v, floors[k][mode == "quick"]) for k, v in got.items() if not v >= floors[k][mode == "quick"]}
    assert not low, f"{notebook} ({mode} mode): below the floor (value, floor): {low}"


def test_reference_results_hold_every_result_of_a_full_run():
    label, ref = reference_results()
    assert label == "reference run (2-core CPU)"
    assert set(ref["mode"]) == {"full"}
    for notebook, floors in FLOORS.items():
        rows = ref[ref["notebook"] == notebook]
        optional = OPTIONAL.get(notebook, {})
        assert set(floors) <= set(zip(rows["task"], rows["method"])) <= set(floors) | set(optional), notebook
        for (task, method), (full_floor, _) in floors.items():
            value = rows[(rows["task"] == task) & (rows["method"] == method)]["value"].item()
            assert math.isfinite(value) and value >= full_floor, (notebook, task, method, value)
    assert set(ref["notebook"]) == set(FLOORS)
