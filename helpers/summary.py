"""Notebook 08 (summary): every model side by side, as a table, a chart and the steps between them.

All three take `load_results()`: your own recorded results (run "your run") and the
reference run shipped with the package.

>>> results = pd.DataFrame([
...     dict(notebook="02", task="3 vs 7", method="mean digit", value=0.95, train_seconds=0.0, params=1568, run="ref"),
...     dict(notebook="03", task="3 vs 7", method="linear", value=0.98, train_seconds=2.0, params=785, run="ref")])
>>> summary_table(results)[["task", "method", "run", "accuracy", "error"]].values.tolist()
[['3 vs 7', 'mean digit', 'reference', 0.95, 0.05], ['3 vs 7', 'linear', 'reference', 0.98, 0.02]]
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

import numpy as np
import pandas as pd
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from helpers._course.results import YOUR_RUN

TASK_ORDER = {"3 vs 7": 0, "all 10 digits": 1}
TEST_IMAGES = {"3 vs 7": 2038, "all 10 digits": 10_000}   # the test sets the notebooks score on
TRAINING = "training, validated each epoch"                  # 03 to 06: each epoch ends with a validation pass
TIMED = {                                                  # what each notebook's train_seconds covers
    "02": "averaging the images", "03": TRAINING, "04": TRAINING, "05": TRAINING, "06": TRAINING,
    "07": "building to test accuracy, median of 3 seeds",
}

Step = tuple[str, str, str, "str | Sequence[str]"]   # (task, from method, to method, what changed)


def _accuracies(results: pd.DataFrame) -> pd.DataFrame:
    needed = {"notebook", "task", "method", "value", "train_seconds", "params", "run"}
    missing = needed - set(results.columns)
    if missing:
        raise ValueError(f"expected the table from helpers.load_results(); it lacks the columns {sorted(missing)}.")
    acc = results[results.get("metric", "accuracy").fillna("accuracy") == "accuracy"] if "metric" in results else results
    acc = acc.assign(_task=acc["task"].map(TASK_ORDER).fillna(len(TASK_ORDER)), _row=range(len(acc)))
    return acc.sort_values(["_task", "notebook", "_row"], kind="stable").drop(columns=["_task", "_row"])


def summary_table(results: pd.DataFrame) -> pd.DataFrame:
    """One row per task, method and run: accuracy, error rate, mistakes, training seconds (and what they
    cover), parameters. Used in notebook 08.

    `mistakes` is the error rate times the task's test images (2,038 for 3 vs 7, 10,000 for ten
    digits), to the nearest image: a count, or a rounded mean count where a notebook recorded a mean over seeds. Rows are in course order (3 vs 7 first, then notebook by notebook); `run` says "yours" or
    "reference"; each of your rows sits right above the reference run's row for the same model.
    """
    acc = _accuracies(results)
    table = pd.DataFrame({
        "task": acc["task"], "method": acc["method"],
        "run": acc["run"].where(acc["run"] == YOUR_RUN, "reference").replace(YOUR_RUN, "yours"),
        "accuracy": acc["value"].astype(float), "error": (1 - acc["value"].astype(float)).round(4),
        "mistakes": ((1 - acc["value"].astype(float)) * acc["task"].map(TEST_IMAGES)).round(0),
        "train_seconds": acc["train_seconds"].astype(float),
        "timed": acc["notebook"].astype(str).str[:2].map(TIMED).fillna(""),
        "params": acc["params"].astype("Int64"), "notebook": acc["notebook"],
    })
    first = table.groupby(["task", "method"], sort=False).ngroup()
    mine = (table["run"] != "yours").astype(int)
    return table.assign(_g=first, _m=mine).sort_values(["_g", "_m"], kind="stable").drop(columns=["_g", "_m"]) \
        .reset_index(drop=True)


def plot_error_vs_time(results: pd.DataFrame, figsize: tuple[float, float] = (12, 4.8),
                       ranges: dict[str, tuple[float, float]] | None = None, steps: Sequence[Step] = ()):
    """Error rate against training time, both on log scales, one panel per task. Used in notebook 08.

    `ranges` maps a method to the lowest and highest error rate its runs have made (from the lab notes,
    say): drawn as a vertical bar through its reference point, so one run is seen against its spread.
    `steps`, as for `step_costs`, are drawn as grey arrows between the reference run's points.

    Lower and further left is better; on a log axis a model with half the errors sits the
    same distance lower wherever it is. Methods that need no training are drawn as hollow
    squares at the left edge, labelled "no training". Your own results are filled circles,
    the reference run's hollow ones; a legend below the panels says so. Returns the list of matplotlib Axes.

    >>> axes = plot_error_vs_time(pd.DataFrame([dict(notebook="03", task="3 vs 7", method="linear", value=0.98,
    ...                                              train_seconds=2.0, params=785, run="ref")]))
    >>> axes[0].get_yscale(), axes[0].get_title()
    ('log', '3 vs 7')
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

    table = summary_table(results)
    tasks = list(dict.fromkeys(table["task"]))
    fig, axes = plt.subplots(1, max(len(tasks), 1), figsize=figsize, squeeze=False)
    axes = list(axes[0])
    if not tasks:
        axes[0].text(0.5, 0.5, "no results yet", transform=axes[0].transAxes, ha="center", color="grey")
        return axes
    trained = table["train_seconds"].fillna(0) > 0
    left = float(table.loc[trained, "train_seconds"].min()) / 4 if trained.any() else 0.1
    points = []
    for ax, task in zip(axes, tasks):
        rows = table[table["task"] == task]
        arrows: list = []
        x = rows["train_seconds"].fillna(0).where(rows["train_seconds"].fillna(0) > 0, left).astype(float)
        err = rows["error"].clip(lower=1e-4).astype(float)
        for (run, none), group in rows.groupby([rows["run"], rows["train_seconds"].fillna(0) <= 0], sort=False):
            ax.scatter(x[group.index], err[group.index], s=60, zorder=3,
                       marker="s" if none else "o", facecolors="tab:blue" if run == "yours" else "none",
                       edgecolors="tab:blue", linewidths=1.5)
        span = [float(err.min()), float(err.max())]               # what the y axis must show
        for method, (low, high) in (ranges or {}).items():
            if method not in set(table["method"]):
                raise ValueError(f"ranges names {method!r}, which no notebook recorded; the methods are "
                                 f"{sorted(set(table['method']))}.")
            if not 0 <= low <= high <= 1:
                raise ValueError(f"ranges[{method!r}] = {(low, high)}: give the lowest and highest error rate, "
                                 "as fractions between 0 and 1 (0.0081 for 81 mistakes in 10,000).")
            ref = rows[(rows["method"] == method) & (rows["run"] == "reference")]
            for i in ref.index:
                ax.plot([x[i], x[i]], [low, high], color="tab:orange", lw=2.5, marker="_", markersize=14,
                        markeredgewidth=2.5, zorder=2)
                ax.axhspan(low, high, color="tab:orange", alpha=0.12, lw=0, zorder=0)  # the range, across the panel
                span = [min(span[0], low), max(span[1], high)]
        for step in steps:
            if step[0] != task:
                continue
            ends = []
            for method in step[1:3]:
                ref = rows[(rows["method"] == method) & (rows["run"] == "reference")]
                if ref.empty:
                    raise ValueError(f"steps name {method!r} for {task!r}, which the reference run lacks; its "
                                     f"methods are {sorted(set(rows['method']))}.")
                ends.append((float(x[ref.index[-1]]), float(err[ref.index[-1]])))
            ax.annotate("", xy=ends[1], xytext=ends[0], zorder=1,
                        arrowprops=dict(arrowstyle="-|>", color="0.55", lw=1, shrinkA=6, shrinkB=6,
                                        connectionstyle=_bend(*ends, arrives=[a[1] for a in arrows])))
            arrows.append(ends)
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlim(left / 2, float(x.max()) * 12)   # room on the right for the slowest model's label
        ax.set_ylim(span[0] / 2.5, span[1] * 1.6)  # room below the best models for their labels
        points.append((ax, x, err, rows["method"] + np.where(rows["train_seconds"].fillna(0) > 0, "", " (no training)"),
                       arrows))
        ax.yaxis.set_major_locator(LogLocator(subs=(1.0, 2.0, 5.0)))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v * 100:g}%"))
        ax.yaxis.set_minor_formatter(NullFormatter())
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _: f"{v:g} s"))
        ax.tick_params(labelsize=10)
        ax.set_title(task, fontsize=12)
        ax.set_xlabel("training time, as each notebook measured it (log scale)", fontsize=10)
        ax.set_ylabel("error rate on the test images (log scale)", fontsize=10)
        ax.grid(True, which="both", alpha=0.25)
    fig.tight_layout(rect=(0, 0.07, 1, 1))    # the panels' final size first (room below for the legend)
    fig.legend(handles=_legend_handles(table, trained, bool(ranges), bool(steps)), loc="lower center", ncol=5,
               fontsize=9, frameon=False)
    for ax, x, err, labels, arrows in points:
        _label_points(ax, x, err, labels, arrows)
    return axes


def _bend(start: tuple[float, float], end: tuple[float, float], arrives: Sequence = ()) -> str:
    """How an arrow is drawn: straight, except a short one leaving a point where another arrow arrives and going
    straight up or down (resnet18 → augmentation, after MLP → resnet18). It bends to the right, so that its head
    stays clear of the arrow coming in. `arrives`: where the task's arrows drawn so far end.

    >>> _bend((34.0, 0.004), (33.0, 0.005), arrives=[(34.0, 0.004)]), _bend((1.0, 0.05), (1.0, 0.03))
    ('arc3,rad=0.6', 'arc3,rad=0')
    """
    steep = abs(np.log10(end[0] / start[0])) < 0.1 and abs(np.log10(end[1] / start[1])) < 0.3
    if steep and any(np.allclose(start, a) for a in arrives):
        return f"arc3,rad={0.6 if end[1] > start[1] else -0.6}"   # upward: the bend goes right
    return "arc3,rad=0"


def _legend_handles(table: pd.DataFrame, trained: pd.Series, ranges: bool = False, steps: bool = False) -> list:
    """What the markers mean: hollow for the reference run, filled for yours (shown even before you have any, so
    the legend says what to look for), squares for no training."""
    from matplotlib.lines import Line2D

    def marker(shape: str, filled: bool, label: str) -> Line2D:
        return Line2D([], [], ls="none", marker=shape, markersize=8, markeredgewidth=1.5, markeredgecolor="tab:blue",
                      markerfacecolor="tab:blue" if filled else "none", label=label)

    handles = [marker("o", False, "reference run"), marker("o", True, "your run (once you have run notebooks)")]
    if not trained.all():
        handles.append(marker("s", False, "no training (placed at the left edge)"))
    if ranges:
        handles.append(Line2D([], [], color="tab:orange", lw=2.5, marker="_", markersize=14, markeredgewidth=2.5,
                              label="range over runs of that recipe"))
    if steps:
        handles.append(Line2D([], [], color="0.55", lw=1, marker=">", markersize=6, label="a step of the course"))
    return handles


def _label_points(ax, xs: pd.Series, ys: pd.Series, labels: pd.Series, arrows: Sequence = ()) -> None:
    """Label each point once (a model run twice gets one label): right of the point if that space is free,
    else left of it, else the same in narrower lines, else a little above or below, so that no two labels
    overlap, none covers a point or an arrow (`arrows`: pairs of data points), none leaves the panel, and each
    lies nearer its own point than any other point (else it would read as that point's label)."""
    ax.figure.canvas.draw()  # so transData knows the final limits
    renderer = ax.figure.canvas.get_renderer()
    inside = ax.get_window_extent(renderer)
    pixels = ax.transData.transform(np.column_stack([xs, ys]))
    placed = [Bbox.from_extents(px - 6, py - 6, px + 6, py + 6) for px, py in pixels]   # the points themselves
    along = []                                                        # small boxes along each arrow
    for start, end in arrows:
        (x0, y0), (x1, y1) = ax.transData.transform([start, end])
        length = float(np.hypot(x1 - x0, y1 - y0))
        n = max(2, int(length // 4))
        end = min(0.5, 7 / length) if length else 0.5           # the arrow is drawn from 6 px off each point
        along += [Bbox.from_extents(x0 + (x1 - x0) * t - 2, y0 + (y1 - y0) * t - 2,
                                    x0 + (x1 - x0) * t + 2, y0 + (y1 - y0) * t + 2) for t in np.linspace(end, 1 - end, n)]
    seen = set()
    # clear of the arrows first: beside the point, else above or below it (joined by a thin line); a label across
    # an arrow reads as the label of the arrow's other end, so only when there is no free place at all
    beside = [(width, dx, 0) for width in (28, 18, 14) for dx in (9, -9)]
    moved = [(width, dx, dy) for dy in (-12, 12, -24, 24, -36, 36, -48, 48, -60, 60, -72)
             for width in (28, 18, 14) for dx in (9, -9)]
    tries = [(w, dx, dy, True) for w, dx, dy in beside + moved] + [(w, dx, dy, False) for w, dx, dy in beside + moved]
    for x, y, text in sorted(zip(xs, ys, labels), key=lambda point: point[0]):    # left to right
        if text in seen:
            continue
        seen.add(text)
        own = ax.transData.transform([(x, y)])[0]
        others = [p for p in pixels if not np.allclose(p, own)]
        for width, dx, dy, clear_of_arrows in tries:
            note, box = _annotate(ax, renderer, textwrap.fill(text, width), x, y, dx, dy)
            fits = inside.x0 <= box.x0 and box.x1 <= inside.x1 and inside.y0 <= box.y0 and box.y1 <= inside.y1
            nearest = min((_distance(box, p) for p in others), default=np.inf)
            if (fits and _distance(box, own) < nearest
                    and not any(box.overlaps(other) for other in placed + (along if clear_of_arrows else []))):
                break
            note.remove()
        else:  # no free place: right of the point anyway
            note, box = _annotate(ax, renderer, textwrap.fill(text, 28), x, y, 9, 0)
        placed.append(box)


def _distance(box: Bbox, point) -> float:
    """How far (in pixels) `point` lies from the nearest edge of `box`; 0 inside it.

    >>> _distance(Bbox.from_extents(0, 0, 10, 10), (13, 14)), _distance(Bbox.from_extents(0, 0, 10, 10), (5, 5))
    (5.0, 0.0)
    """
    dx = max(box.x0 - point[0], 0, point[0] - box.x1)
    dy = max(box.y0 - point[1], 0, point[1] - box.y1)
    return float(np.hypot(dx, dy))


def _annotate(ax, renderer, text: str, x: float, y: float, dx: float, dy: float):
    """A label `dx, dy` points from (x, y), joined to it by a thin line when moved up or down, and its box."""
    note = ax.annotate(text, (x, y), textcoords="offset points", xytext=(dx, dy), fontsize=9,
                       ha="left" if dx > 0 else "right", va="center",
                       arrowprops=dict(arrowstyle="-", color="grey", lw=0.6, shrinkA=0, shrinkB=4) if dy else None)
    note.update_positions(renderer)
    return note, Text.get_window_extent(note, renderer)   # the text alone, without its connecting line


def step_costs(results: pd.DataFrame, steps: Sequence[Step]) -> pd.DataFrame:
    """What each step of the course bought and cost. Used in notebook 08.

    `steps` lists `(task, from_method, to_method, what_changed)`, `what_changed` one change or a list of
    them. For each: what changed and how many changes that is, the error rate before and after, how many
    times fewer mistakes, and how many times the training time and parameters (blank when the earlier
    method needs no training; below 1 written "1/54"; marked "~" when the two notebooks time different
    things, see `TIMED`). Numbers come from your run when it holds both methods, otherwise from the
    reference run; a column `run` says which when the steps draw on more than one run.

    >>> results = pd.DataFrame([
    ...     dict(notebook="03", task="t", method="a", value=0.9, train_seconds=1.0, params=10, run="ref"),
    ...     dict(notebook="07", task="t", method="b", value=0.95, train_seconds=4.0, params=100, run="ref")])
    >>> step = step_costs(results, [("t", "a", "b", ["a hidden layer", "10 epochs"])]).iloc[0]
    >>> step["what changed"], int(step["changes"]), step["fewer_mistakes"], step["time_x"], step["params_x"]
    ('a hidden layer; 10 epochs', 2, '2.0', '~4.0', '10')
    """
    acc = _accuracies(results)
    out = []
    for task, before, after, changed in steps:
        changes = [changed] if isinstance(changed, str) else list(changed)
        if not changes or not all(isinstance(c, str) and c.strip() for c in changes):
            raise ValueError(f"step {before!r} -> {after!r}: say what changed, as a text or a list of texts "
                             f"(got {changed!r}).")
        rows = acc[acc["task"] == task]
        runs = [YOUR_RUN] + [r for r in dict.fromkeys(rows["run"]) if r != YOUR_RUN]
        run = next((r for r in runs if {before, after} <= set(rows.loc[rows["run"] == r, "method"])), None)
        if run is None:
            have = sorted(set(rows["method"]))
            raise ValueError(f"step {before!r} -> {after!r} ({task}): no run has both methods; {task} has {have}.")
        a, b = (rows[(rows["run"] == run) & (rows["method"] == m)].iloc[-1] for m in (before, after))
        err_a, err_b = 1 - float(a["value"]), 1 - float(b["value"])
        n = TEST_IMAGES.get(task)   # mistakes as the table shows them, whole images, so 37 / 8 reads 4.6
        wrong_a, wrong_b = (round(e * n) if n else e for e in (err_a, err_b))
        t_a, t_b = float(a["train_seconds"] or 0), float(b["train_seconds"] or 0)
        same_clock = TIMED.get(str(a["notebook"])[:2]) == TIMED.get(str(b["notebook"])[:2])
        time_x = _as_fraction(t_b / t_a) if t_a > 0 else float("nan")
        out.append({"task": task, "step": f"{before} → {after}", "what changed": "; ".join(changes),
                    "changes": len(changes), "error before": round(err_a, 4), "error after": round(err_b, 4),
                    "fewer_mistakes": _ratio(wrong_a, wrong_b) if wrong_b > 0 else float("inf"),
                    "time_x": time_x if same_clock or pd.isna(time_x) else "~" + _as_text(time_x),
                    "params_x": _as_fraction(float(b["params"]) / float(a["params"]))
                    if pd.notna(a["params"]) and pd.notna(b["params"]) and float(a["params"]) > 0 else float("nan"),
                    "run": run})
    table = pd.DataFrame(out)
    if table.empty or table["run"].nunique() == 1:   # one run for every step: a column that says nothing new
        table = table.drop(columns="run", errors="ignore")
    for column in ["fewer_mistakes", "time_x", "params_x"]:  # each ratio as text, rounded: "86", "0.90", "1/54"
        table[column] = pd.Series([_as_text(row[column]) for row in out], index=table.index, dtype=object)
    return table


def _as_text(ratio: float | int | str) -> str:
    """A rounded ratio as the table shows it: 2 significant digits, trailing zeros kept ("0.90"); blank if unknown.

    >>> [_as_text(0.9), _as_text(54), _as_text("1/2"), _as_text(float("nan")), _as_text(float("inf"))]
    ['0.90', '54', '1/2', '', 'no mistakes left']
    """
    if isinstance(ratio, str):
        return ratio
    if pd.isna(ratio):
        return ""
    if ratio == float("inf"):
        return "no mistakes left"
    return str(ratio) if isinstance(ratio, int) else f"{ratio:#.2g}".rstrip(".")


def _as_fraction(ratio: float | int) -> float | int | str:
    """A ratio to 2 significant digits, and below 1 as "1/n" (it reads better than 0.018), n rounded from the
    exact ratio so that 215,194 / 11,708,992 is 1/54, not 1/56 (1 / 0.018).

    >>> [_as_fraction(215_194 / 11_708_992), _as_fraction(0.5), _as_fraction(54.4), _as_fraction(float("nan"))]
    ['1/54', '1/2', 54, nan]
    >>> _as_fraction(33.24 / 34.43)   # just below 1: not "1/1"
    0.97
    """
    if pd.isna(ratio) or ratio <= 0:
        return ratio
    n = _ratio(1, ratio)
    if ratio >= 1 or n <= 1:          # at or above 1, or so close below it that "1/n" would read "1/1"
        return _ratio(ratio, 1)
    return f"1/{n:g}"


def _ratio(a: float, b: float) -> float | int:
    """a / b to 2 significant digits, so that 0.054 does not print as 0.1 nor 0.018 as 0.0; from 10 up a whole
    number (54, not 54.0), so that the table shows no digit that is not significant.

    >>> [_ratio(1, 18.5), _ratio(54.4, 1), _ratio(1, 2)]
    [0.054, 54, 0.5]
    """
    rounded = float(f"{a / b:.2g}")
    return int(rounded) if abs(rounded) >= 10 else rounded
