"""Record each notebook's results so the summary notebook can put them side by side.

Each notebook writes `results/<mode>/<notebook>.json` (relative to where it runs, the
`notebooks/` folder; `MNIST_RESULTS` moves it). Recording the same method and task again
replaces the old line, so running a notebook twice never duplicates it. Full-mode and
quick-mode results are kept apart, so a quick test run never overwrites a learner's.

>>> record_result("02_pixel_similarity", method="mean digit (L1)", task="3 vs 7",
...               value=0.9511, floor=0.9)          # doctest: +SKIP
>>> load_results()[["method", "task", "value"]]     # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd

from helpers.runtime import quick_mode

COLUMNS = ["notebook", "method", "task", "metric", "value", "train_seconds", "params", "device", "mode"]


class BelowFloorError(AssertionError):
    """A result came out below the floor its notebook promises."""


def results_dir(mode: str | None = None) -> Path:
    """Folder holding the results of `mode` ("full" or "quick"; default: the current mode)."""
    mode = mode or ("quick" if quick_mode() else "full")
    return Path(os.environ.get("MNIST_RESULTS") or "results") / mode


def record_result(
    notebook: str,
    method: str,
    task: str,
    value: float,
    metric: str = "accuracy",
    train_seconds: float | None = None,
    params: int | None = None,
    device: str | None = None,
    floor: float | None = None,
) -> dict:
    """Save one result of `notebook`; raise `BelowFloorError` if `value < floor`.

    >>> record_result("03_sgd", method="linear", task="3 vs 7", value=0.97)  # doctest: +SKIP
    """
    mode = "quick" if quick_mode() else "full"
    row = {
        "notebook": notebook, "method": method, "task": task, "metric": metric,
        "value": round(float(value), 4),
        "train_seconds": None if train_seconds is None else round(float(train_seconds), 1),
        "params": None if params is None else int(params),
        "device": None if device is None else str(device), "mode": mode,
    }
    path = results_dir(mode) / f"{notebook}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = json.loads(path.read_text()) if path.exists() else []
    rows = [r for r in rows if (r["method"], r["task"], r["metric"]) != (method, task, metric)] + [row]
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(rows, indent=1) + "\n")
    os.replace(tmp, path)
    if floor is not None and value < floor:
        raise BelowFloorError(f"{method} on {task}: {metric} {value:.4f} is below its floor {floor} ({mode} mode)")
    return row


def load_results(mode: str | None = None) -> pd.DataFrame:
    """Every recorded result of `mode` as a DataFrame, in notebook order.

    Raises FileNotFoundError, saying which notebooks to run, when nothing is recorded.
    """
    folder = results_dir(mode)
    files = sorted(folder.glob("*.json"))
    if not files:
        raise FileNotFoundError(f"No results in {folder}: run notebooks 02 to 05 first, then this one.")
    rows = [r for f in files for r in json.loads(f.read_text())]
    return pd.DataFrame(rows, columns=COLUMNS)
