"""Comparing models: parameter counts, small copies of the PNG folders, pretrained
weights that may not download, and the side-by-side summary of every notebook's results.

>>> import torch.nn as nn
>>> count_params(nn.Linear(784, 30))
23550
>>> table = summary_table(load_results())                # doctest: +SKIP
>>> fig = plot_accuracy_vs_time(table)                   # doctest: +SKIP
"""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import uuid
from collections.abc import Callable, Iterable
from pathlib import Path

import pandas as pd
import torch.nn as nn

# The notebooks that record results, in order, and what each one trains.
EXPECTED_NOTEBOOKS: dict[str, str] = {
    "02_pixel_similarity": "mean digit, pixel distance",
    "03_sgd_from_scratch": "linear model trained with SGD",
    "04_mlp": "multi-layer perceptron",
    "05_resnet18": "fastai resnet18",
}


def count_params(model: nn.Module, trainable_only: bool = False) -> int:
    """Total number of numbers in `model`'s parameters (weights and biases).

    >>> count_params(nn.Sequential(nn.Linear(784, 30), nn.ReLU(), nn.Linear(30, 1)))
    23581
    """
    if not isinstance(model, nn.Module):
        raise ValueError(f"count_params needs a torch nn.Module (a model), got {type(model).__name__}.")
    return sum(p.numel() for p in model.parameters() if p.requires_grad or not trainable_only)


def subset_folder(path: Path, per_class: int, folders: Iterable[str], dest: Path | None = None) -> Path:
    """A small copy of an image folder: the first `per_class` PNGs of each `folder/<label>/`.

    Laid out like `path`, so `ImageDataLoaders.from_folder` reads it the same way. Built
    once (next to `path`, unless `dest` is given) and reused; quick mode uses it to train
    on a few hundred images instead of 60,000.

    >>> small = subset_folder(get_mnist("full"), 20, ["training", "testing"])   # doctest: +SKIP
    >>> len(list((small / "training" / "3").iterdir()))          # doctest: +SKIP
    20
    """
    path = Path(path)
    folders = list(folders)
    if per_class < 1:
        raise ValueError(f"per_class must be at least 1, got {per_class}.")
    for f in folders:
        if not (path / f).is_dir():
            raise ValueError(f"{path.name} has no folder {f!r}; it has {sorted(p.name for p in path.iterdir())}.")
    dest = Path(dest) if dest is not None else path.parent / f"{path.name}_subset_{per_class}"
    if (dest / ".complete").exists():
        return dest
    staging = dest.parent / f".{dest.name}.{uuid.uuid4().hex[:8]}"
    try:
        for f in folders:
            for label_dir in sorted(p for p in (path / f).iterdir() if p.is_dir()):
                out = staging / f / label_dir.name
                out.mkdir(parents=True)
                pngs = sorted(label_dir.glob("*.png"), key=lambda p: (len(p.stem), p.stem))[:per_class]
                for png in pngs:
                    shutil.copyfile(png, out / png.name)
        (staging / ".complete").write_text("ok\n")
        try:
            os.replace(staging, dest)
        except OSError:  # another process finished first: use its copy
            if not (dest / ".complete").exists():
                raise
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return dest


def pretrained_available(load: Callable[[], object]) -> bool:
    """True if `load()` (e.g. `lambda: resnet18(weights="IMAGENET1K_V1")`) works, False if it fails.

    Downloading pretrained weights needs the internet; without it the download fails in a
    fraction of a second. The download messages and the error are swallowed, so a notebook
    can say in plain words what it does instead.

    >>> pretrained_available(lambda: 1 / 0)
    False
    """
    try:
        with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
            load()
        return True
    except Exception:  # noqa: BLE001 - no network, firewall, broken cache: all mean "not available"
        return False


def summary_table(results: pd.DataFrame) -> pd.DataFrame:
    """One row per (task, method): accuracy, training time, parameters, device, notebook.

    Takes `load_results()`; keeps accuracy results only, sorted by task, then by notebook.

    >>> df = pd.DataFrame([dict(notebook="03_sgd", method="linear", task="3 vs 7", metric="accuracy",
    ...     value=0.97, train_seconds=2.0, params=785, device="cpu", mode="full")])
    >>> summary_table(df)[["task", "method", "accuracy"]].values.tolist()
    [['3 vs 7', 'linear', 0.97]]
    """
    needed = {"notebook", "method", "task", "metric", "value", "train_seconds", "params", "device"}
    missing = needed - set(results.columns)
    if missing:
        raise ValueError(f"summary_table needs the columns of load_results(); missing {sorted(missing)}.")
    acc = results[results["metric"] == "accuracy"]
    table = acc.rename(columns={"value": "accuracy"})[
        ["task", "method", "accuracy", "train_seconds", "params", "device", "notebook"]
    ]
    table = table.assign(_task=table["task"].map({"3 vs 7": 0, "all 10 digits": 1}).fillna(2))
    table = table.sort_values(["_task", "notebook"], kind="stable").drop(columns="_task")
    table["params"] = table["params"].astype("Int64")
    return table.reset_index(drop=True)


def missing_notebooks(results: pd.DataFrame, expected: Iterable[str] = EXPECTED_NOTEBOOKS) -> list[str]:
    """The notebooks in `expected` that have recorded nothing in `results`.

    >>> missing_notebooks(pd.DataFrame({"notebook": ["03_sgd"]}), ["02_pixel_similarity", "03_sgd"])
    ['02_pixel_similarity']
    """
    have = set(results["notebook"]) if "notebook" in results.columns else set()
    return [n for n in expected if n not in have]


def plot_accuracy_vs_time(table: pd.DataFrame, min_seconds: float = 0.1, figsize: tuple[float, float] = (10, 4)):
    """Accuracy against training time (log scale), one panel per task, each point labelled by method.

    Methods that need no training (time 0 or missing) are drawn at `min_seconds`.
    Returns the list of matplotlib Axes (one per task; one empty panel if there are no results).

    >>> axes = plot_accuracy_vs_time(summary_table(load_results()))   # doctest: +SKIP
    """
    import matplotlib.pyplot as plt

    for col in ("task", "method", "accuracy", "train_seconds"):
        if col not in table.columns:
            raise ValueError(f"plot_accuracy_vs_time needs summary_table(...)'s columns; missing {col!r}.")
    tasks = list(dict.fromkeys(table["task"]))
    fig, axes = plt.subplots(1, max(len(tasks), 1), figsize=figsize, squeeze=False)
    axes = list(axes[0])
    if not tasks:
        axes[0].text(0.5, 0.5, "no results yet", transform=axes[0].transAxes, ha="center", va="center", color="grey")
    colors = {"3 vs 7": "tab:blue", "all 10 digits": "tab:orange"}
    for ax, task in zip(axes, tasks):
        rows = table[table["task"] == task]
        secs = rows["train_seconds"].astype(float).fillna(0).clip(lower=min_seconds)
        ax.scatter(secs, rows["accuracy"].astype(float), color=colors.get(task, "tab:green"), s=40)
        ax.set_xscale("log")
        ax.set_xlim(min_seconds / 2, max(float(secs.max()), 1.0) * 30)
        placed: list[tuple[float, float]] = []  # label anchors in pixels, to keep labels from overlapping
        for x, y, m in sorted(zip(secs, rows["accuracy"].astype(float), rows["method"]), key=lambda r: -r[1]):
            px, py = ax.transData.transform((x, y))
            dy = -3
            while any(abs(px - qx) < 120 and abs(py + dy - qy) < 9 for qx, qy in placed):
                dy -= 9
            placed.append((px, py + dy))
            ax.annotate(m, (x, y), textcoords="offset points", xytext=(5, dy), fontsize=7)
        ax.set_title(task)
        ax.set_xlabel("training time, seconds (log scale)")
        ax.grid(True, alpha=0.3)
    axes[0].set_ylabel("accuracy on held-out images")
    fig.tight_layout()
    return axes


def fastai_history(learn) -> pd.DataFrame:
    """The losses and metrics a fastai `Learner` recorded, one row per epoch.

    fastai prints them as a table while it trains; with `learn.logger = noop` and
    `learn.no_bar()` nothing is printed, and this shows the same numbers afterwards.

    >>> helpers.fastai_history(learn)                     # doctest: +SKIP
           train_loss  valid_loss  accuracy
    epoch
    0        0.130513    0.043891    0.9862
    """
    recorder = getattr(learn, "recorder", None)
    if recorder is None or not hasattr(recorder, "values"):
        raise ValueError("fastai_history needs a fastai Learner that has been trained (learn.fit...).")
    names = [n for n in recorder.metric_names if n not in ("epoch", "time")]
    rows = [list(v) for v in recorder.values]
    df = pd.DataFrame(rows, columns=names[: len(rows[0])] if rows else names)
    df.index.name = "epoch"
    return df


def step_costs(table: pd.DataFrame, task: str) -> pd.DataFrame:
    """For one task: each method against the best one before it (in notebook order).

    Columns: method, accuracy, error (1 - accuracy), fewer_mistakes (how many times fewer
    errors than the best earlier method), time_x and params_x (how many times more training
    time and parameters). The first row has nothing to compare with (NaN).

    >>> df = pd.DataFrame(dict(task=["3 vs 7"] * 2, method=["a", "b"], accuracy=[0.9, 0.95],
    ...                        train_seconds=[1.0, 10.0], params=[10, 100], device="cpu", notebook=["02", "03"]))
    >>> step_costs(df, "3 vs 7")[["method", "fewer_mistakes", "time_x", "params_x"]].round(6).values.tolist()[1]
    ['b', 2.0, 10.0, 10.0]
    """
    if task not in set(table["task"]):
        raise ValueError(f"No results for task {task!r}; the table has {sorted(set(table['task']))}.")
    rows = table[table["task"] == task].reset_index(drop=True)
    out = []
    best = None
    for _, r in rows.iterrows():
        err = 1 - float(r["accuracy"])
        row = {"method": r["method"], "accuracy": float(r["accuracy"]), "error": err,
               "fewer_mistakes": float("nan"), "time_x": float("nan"), "params_x": float("nan")}
        if best is not None:
            row["fewer_mistakes"] = (1 - best["accuracy"]) / err if err > 0 else float("inf")
            t0, t1 = best["train_seconds"], r["train_seconds"]
            if pd.notna(t0) and pd.notna(t1) and t0 > 0:
                row["time_x"] = float(t1) / float(t0)
            p0, p1 = best["params"], r["params"]
            if pd.notna(p0) and pd.notna(p1) and p0 > 0:
                row["params_x"] = float(p1) / float(p0)
        out.append(row)
        if best is None or r["accuracy"] > best["accuracy"]:
            best = r
    return pd.DataFrame(out)
