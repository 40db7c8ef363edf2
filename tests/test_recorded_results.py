"""The results the notebooks record reach their floors (tests/floors.py).

Each test here checks one notebook and runs after that notebook ran under nbval in the same
pytest session (conftest.py orders them last, deselects the ones whose notebook was not
collected, and clears the notebook's old results before anything runs). The reference
results shipped with the package hold exactly the results the notebooks record.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from floors import FLOORS, OPTIONAL
from helpers.results import reference_results
from helpers.runtime import quick_mode

RESULTS = Path(__file__).resolve().parent.parent / "notebooks" / "results"


@pytest.mark.after_notebooks
@pytest.mark.parametrize("notebook", sorted(FLOORS))
def test_notebook_results_reach_their_floors(notebook: str):
    mode = "quick" if quick_mode() else "full"
    path = RESULTS / mode / f"{notebook}.json"
    assert path.exists(), f"{notebook} ran but recorded nothing in {path}"
    got = {(r["task"], r["method"]): r["value"] for r in json.loads(path.read_text())}
    floors = {**FLOORS[notebook], **OPTIONAL.get(notebook, {})}
    assert set(FLOORS[notebook]) <= set(got) <= set(floors), \
        f"{notebook} records {sorted(got)}; tests/floors.py lists {sorted(floors)}"
    low = {k: (v, floors[k][mode == "quick"]) for k, v in got.items() if not v >= floors[k][mode == "quick"]}
    assert not low, f"{notebook} ({mode} mode): below the floor (value, floor): {low}"


def test_reference_results_hold_every_result_of_a_full_run():
    label, ref = reference_results()
    assert label.startswith("reference run: ") and label.endswith(", full mode")
    assert set(ref["mode"]) == {"full"}
    for notebook, floors in FLOORS.items():
        rows = ref[ref["notebook"] == notebook]
        optional = OPTIONAL.get(notebook, {})
        assert set(floors) <= set(zip(rows["task"], rows["method"])) <= set(floors) | set(optional), notebook
        for (task, method), (full_floor, _) in floors.items():
            value = rows[(rows["task"] == task) & (rows["method"] == method)]["value"].item()
            assert math.isfinite(value) and value >= full_floor, (notebook, task, method, value)
    assert set(ref["notebook"]) == set(FLOORS)
