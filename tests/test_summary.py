"""helpers.summary (notebook 08) and helpers.resnet (notebook 06)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.text import Text
import pytest

import helpers
from helpers._course.results import COLUMNS


def _results(rows):
    return pd.DataFrame([{"metric": "accuracy", "device": "cpu", "mode": "full", **r} for r in rows],
                        columns=COLUMNS)


RESULTS = _results([
    dict(notebook="02", task="all 10 digits", method="mean digit", value=0.6685, train_seconds=0.0, params=7840, run="ref"),
    dict(notebook="02", task="3 vs 7", method="mean digit", value=0.9511, train_seconds=0.0, params=1568, run="ref"),
    dict(notebook="03", task="all 10 digits", method="linear", value=0.9228, train_seconds=3.5, params=7850, run="ref"),
    dict(notebook="04", task="all 10 digits", method="MLP", value=0.9834, train_seconds=12.2, params=209310, run="ref"),
    dict(notebook="05", task="all 10 digits", method="resnet18", value=0.9906, train_seconds=156.8, params=11708992,
         run="ref"),
    dict(notebook="04", task="all 10 digits", method="MLP", value=0.9810, train_seconds=20.0, params=209310,
         run="your run"),
])


def test_pretrained_available_is_quiet(capsys):
    def failing_download():
        import sys
        print("Downloading: https://example.invalid/weights.pth to /root/x", file=sys.stderr)
        raise OSError("Name or service not known")

    assert helpers.pretrained_available(failing_download) is False
    assert helpers.pretrained_available(lambda: "weights") is True
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""


def test_summary_table_course_order_and_yours_above_the_reference():
    table = helpers.summary_table(RESULTS)
    assert table[["task", "method", "run"]].values.tolist() == [
        ["3 vs 7", "mean digit", "reference"],
        ["all 10 digits", "mean digit", "reference"], ["all 10 digits", "linear", "reference"],
        ["all 10 digits", "MLP", "yours"], ["all 10 digits", "MLP", "reference"],
        ["all 10 digits", "resnet18", "reference"]]
    assert table["error"].tolist()[:2] == [0.0489, 0.3315]


def test_summary_table_says_what_it_needs():
    with pytest.raises(ValueError, match="load_results"):
        helpers.summary_table(pd.DataFrame({"task": ["3 vs 7"]}))


def test_error_chart_log_axes_no_training_marked_and_no_empty_range():
    axes = helpers.plot_error_vs_time(RESULTS)
    ten = axes[1]
    assert ten.get_xscale() == ten.get_yscale() == "log" and ten.get_title() == "all 10 digits"
    labels = [t.get_text() for t in ten.texts]
    assert "mean digit (no training)" in labels and "MLP" in labels and labels.count("MLP") == 1
    assert all(t.get_fontsize() >= 9 for t in ten.texts)
    lo, hi = ten.get_xlim()
    assert hi <= 156.8 * 4 + 1e-6 and lo > 0            # ends a little past the slowest model
    ylo, yhi = ten.get_ylim()
    assert ylo < 1 - 0.9906 < 1 - 0.6685 < yhi
    # MLP (0.0166) and resnet18 (0.0094): 1.8x apart in errors, far apart on the log axis
    y_mlp, y_res = (ten.transData.transform((1, e))[1] for e in (0.0166, 0.0094))
    assert y_mlp - y_res > 20
    plt.close("all")


def _text_box(note, renderer):
    """A label's own box, without the line that joins it to its point."""
    note.update_positions(renderer)
    return Text.get_window_extent(note, renderer)


def test_error_chart_labels_of_nearby_points_do_not_overlap():
    close = _results([dict(notebook="04", task="t", method="a", value=0.9834, train_seconds=12.0, params=1, run="r"),
                      dict(notebook="05", task="t", method="b", value=0.9836, train_seconds=12.5, params=1, run="r")])
    (ax,) = helpers.plot_error_vs_time(close)
    renderer = ax.figure.canvas.get_renderer()
    first, second = (_text_box(t, renderer) for t in ax.texts)
    assert len(ax.texts) == 2 and not first.overlaps(second)
    plt.close("all")


def test_error_chart_labels_stay_inside_the_panel():
    """The reference run's ten-digit panel once pushed a label below the axis, far from its point."""
    axes = helpers.plot_error_vs_time(helpers.load_results())
    renderer = axes[0].figure.canvas.get_renderer()
    for ax in axes:
        inside, boxes = ax.get_window_extent(renderer), [_text_box(t, renderer) for t in ax.texts]
        assert boxes and all(inside.x0 <= b.x0 and b.x1 <= inside.x1 and inside.y0 <= b.y0 and b.y1 <= inside.y1
                             for b in boxes)
        assert not any(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    plt.close("all")


def test_step_costs_say_what_changed_and_skip_time_ratios_without_training():
    steps = [("all 10 digits", "mean digit", "linear", "a model trained with SGD"),
             ("all 10 digits", "linear", "MLP", "a hidden layer, and Adam with one-cycle instead of SGD")]
    costs = helpers.step_costs(RESULTS, steps)
    first, second = costs.to_dict("records")
    assert first["what changed"] == "a model trained with SGD" and pd.isna(first["time_x"])  # no "1.0x" for 0 s
    assert first["fewer_mistakes"] == 4.3                  # 0.3315 / 0.0772, to 2 significant digits
    assert second["run"] == "ref"                          # your run lacks "linear": the reference run
    assert second["fewer_mistakes"] == 4.7                 # 0.0772 / 0.0166


def test_step_costs_keep_small_ratios_visible():
    """resnet18 -> a small CNN: 0.054x the time, 0.018x the parameters, which one decimal showed as 0.1 and 0.0."""
    results = pd.DataFrame([dict(notebook="05", task="t", method="a", value=0.9902, train_seconds=152.2, params=11708992, run="r"),
                            dict(notebook="06", task="t", method="b", value=0.9917, train_seconds=8.178, params=215194, run="r")])
    (row,) = helpers.step_costs(results, [("t", "a", "b", "a small CNN")]).to_dict("records")
    assert (row["time_x"], row["params_x"], row["fewer_mistakes"]) == (0.054, 0.018, 1.2)


def test_step_costs_unknown_method_says_what_there_is():
    with pytest.raises(ValueError, match="no run has both methods"):
        helpers.step_costs(RESULTS, [("3 vs 7", "mean digit", "nope", "?")])
