"""Each notebook records what its models reached, so notebook 08 can put them side by side.

A notebook ends with one call to `record_results`, which writes
`results/<mode>/<notebook>.json` next to the notebook (`MNIST_RESULTS` moves the folder).
Recording a notebook again replaces its file, so a re-run never duplicates a line.
Full-mode and quick-mode results are kept apart, so a quick test run never overwrites
a learner's full run.

The package also ships the results of the reference run (`reference_results.json`, a
full run on a 2-core CPU), so notebook 08 has something to show even when it runs alone,
as it does on Colab; `load_results` returns both, labelled.

>>> import tempfile, os
>>> os.environ["MNIST_RESULTS"] = tempfile.mkdtemp()
>>> table = record_results("02_demo", [dict(task="3 vs 7", method="mean digit (L1)", value=0.95111,
...                                         train_seconds=0.01, params=1568)], device="cpu")
>>> table[["task", "method", "value"]].values.tolist()
[['3 vs 7', 'mean digit (L1)', 0.9511]]
>>> sorted(set(load_results()["run"]))
['reference run (2-core CPU)', 'your run']
>>> del os.environ["MNIST_RESULTS"]
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Iterable, Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd

from helpers._course.cache import write_json
from helpers.runtime import mode_name

COLUMNS = ["notebook", "task", "method", "metric", "value", "train_seconds", "params", "device", "mode", "run"]
YOUR_RUN = "your run"
REFERENCE_FILE = "reference_results.json"


def results_dir(mode: str | None = None) -> Path:
    """Folder holding the results of `mode` ("full" or "quick"; default: the current mode)."""
    mode = mode or mode_name()
    return Path(os.environ.get("MNIST_RESULTS") or "results") / mode


def _number(row: Mapping[str, Any], key: str, where: str) -> float | None:
    value = row.get(key)
    if value is None:
        return None
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{where}: {key} must be a number, got {value!r}.") from None
    if not math.isfinite(x):
        raise ValueError(f"{where}: {key} is {x}, not a finite number, so nothing was recorded. "
                         "A NaN usually means the training diverged: try a smaller learning rate.")
    return x


def _clean_row(notebook: str, row: Mapping[str, Any], device: str | None, mode: str) -> dict:
    where = f"record_results({notebook!r}), result {dict(row).get('method', '?')!r}"
    unknown = set(row) - {"task", "method", "value", "metric", "train_seconds", "params"}
    if unknown:
        raise ValueError(f"{where}: unknown key(s) {sorted(unknown)}; use task, method, value, "
                         "and optionally metric, train_seconds, params.")
    for key in ("task", "method"):
        if not isinstance(row.get(key), str) or not row[key]:
            raise ValueError(f"{where}: {key} must be a non-empty string, got {row.get(key)!r}.")
    value = _number(row, "value", where)
    if value is None:
        raise ValueError(f"{where}: value is missing.")
    seconds, params = _number(row, "train_seconds", where), _number(row, "params", where)
    return {"notebook": notebook, "task": row["task"], "method": row["method"],
            "metric": row.get("metric", "accuracy"), "value": round(value, 4),
            "train_seconds": None if seconds is None else float(f"{seconds:.4g}"),  # 4 significant digits: 0.002135 s stays
            "params": None if params is None else int(params),
            "device": None if device is None else str(device), "mode": mode}


def record_results(notebook: str, results: Iterable[Mapping[str, Any]], device: Any = None) -> pd.DataFrame:
    """Save every result of `notebook` (replacing what it recorded before); return them as a table.

    Each result is a dict with `task`, `method`, `value` (an accuracy unless `metric` says
    otherwise) and optionally `train_seconds` and `params`. A value that is NaN or infinite
    raises ValueError and nothing is written. Called once, at the end of notebooks 02 to 07.

    >>> record_results("03_demo", [dict(task="3 vs 7", method="linear", value=float("nan"))])
    Traceback (most recent call last):
    ...
    ValueError: record_results('03_demo'), result 'linear': value is nan, not a finite number, so nothing was recorded. A NaN usually means the training diverged: try a smaller learning rate.
    """
    if not isinstance(notebook, str) or not notebook:
        raise ValueError(f"notebook must be the notebook's name, e.g. '03_sgd_from_scratch', got {notebook!r}.")
    if isinstance(results, Mapping):
        raise ValueError("results must be a list of dicts, one per result: wrap a single dict in [ ].")
    mode = mode_name()
    device = getattr(device, "type", device)
    rows = [_clean_row(notebook, r, device, mode) for r in results]
    keys = [(r["task"], r["method"], r["metric"]) for r in rows]
    if len(set(keys)) != len(keys):
        raise ValueError(f"record_results({notebook!r}): the same task and method appear twice; give each a "
                         "method name of its own.")
    write_json(results_dir(mode) / f"{notebook}.json", rows)
    return pd.DataFrame(rows)[["task", "method", "value", "train_seconds", "params", "device"]]


def reference_results() -> tuple[str, pd.DataFrame]:
    """The reference run shipped with the package: its label and its results.

    >>> label, ref = reference_results()
    >>> label, "08_summary" in set(ref["notebook"])
    ('reference run (2-core CPU)', False)
    """
    data = json.loads(resources.files("helpers._course").joinpath(REFERENCE_FILE).read_text())
    label = f"reference run ({data['machine']})"
    df = pd.DataFrame(data["results"]).assign(run=label)
    return label, df.reindex(columns=COLUMNS)


def load_results(mode: str | None = None, reference: bool = True) -> pd.DataFrame:
    """Your recorded results of `mode` (in notebook order) and, if `reference`, the reference run's.

    The column `run` says which is which; a result of yours identical to the reference run's
    (the run that made the reference) is listed once, as the reference. Used in notebook 08.
    Without any results of your own you get the reference run only, and an empty table if
    `reference=False`.

    >>> load_results(reference=False).columns.tolist() == COLUMNS
    True
    """
    frames = []
    for path in sorted(results_dir(mode).glob("*.json")):
        try:
            rows = json.loads(path.read_text())
        except ValueError:
            raise ValueError(f"{path} is not valid JSON: delete it and re-run its notebook.") from None
        frames.append(pd.DataFrame(rows).assign(run=YOUR_RUN))
    if reference:
        frames.append(reference_results()[1])
    frames = [f.reindex(columns=COLUMNS) for f in frames if len(f)]
    if not frames:
        return pd.DataFrame(columns=COLUMNS)
    table = pd.concat(frames, ignore_index=True)
    # Your result that is the reference run's own (the run that made the reference) is shown once.
    same = ["notebook", "task", "method", "metric", "value", "train_seconds", "params"]
    ref = table[table["run"] != YOUR_RUN][same].astype(str).apply(tuple, axis=1)
    dup = (table["run"] == YOUR_RUN) & table[same].astype(str).apply(tuple, axis=1).isin(set(ref))
    return table[~dup].reset_index(drop=True)
