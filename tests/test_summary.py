"""helpers.summary (notebook 08) and helpers.resnet (notebook 06)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.text import Text
import pytest
import torch

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


def test_first_images_takes_the_first_n_of_each_digit_by_number():
    folder = helpers.get_mnist("sample") / "train"
    files = helpers.first_images(folder, ["7", "3"], 3)
    assert [f.parent.name for f in files] == ["7"] * 3 + ["3"] * 3
    numbers = [int(f.stem) for f in files[:3]]
    assert numbers == sorted(int(f.stem) for f in (folder / "7").glob("*.png"))[:3]  # by number, not as text


def test_first_images_names_a_missing_digit():
    with pytest.raises(FileNotFoundError, match="should name folders"):
        helpers.first_images(helpers.get_mnist("sample") / "train", ["4"], 3)


def test_fit_seconds_times_each_fit_and_not_predictions():
    import time

    import fastai.callback.progress  # noqa: F401 - gives Learner its no_bar()
    from fastai.callback.core import Callback
    from fastai.data.core import DataLoaders
    from fastai.learner import Learner
    from torch import nn
    from fastai.data.load import DataLoader

    helpers.setup(verbose=False)

    class Slow(Callback):  # each training batch takes 0.1 s more
        def after_batch(self):
            if self.training:
                time.sleep(0.1)

    data = list(zip(torch.randn(8, 3), torch.randint(0, 2, (8,))))
    dls = DataLoaders(DataLoader(data, batch_size=4), DataLoader(data, batch_size=4))
    learn = Learner(dls, nn.Linear(3, 2), loss_func=nn.CrossEntropyLoss(), cbs=Slow())
    with pytest.raises(ValueError, match="no training time"):
        helpers.fit_seconds(learn)
    with learn.no_bar(), learn.no_logging():
        learn.fit(2)                                   # 2 epochs of 2 batches: at least 0.4 s
        trained = helpers.fit_seconds(learn)
        learn.get_preds()                              # predicting is not training: the time stays
    assert 0.4 <= trained < 5
    assert helpers.fit_seconds(learn) == trained


def test_the_chart_says_what_hollow_and_filled_points_mean():
    results = pd.DataFrame([dict(notebook="03", task="3 vs 7", method="linear", value=0.98, train_seconds=2.0,
                                 params=785, run="ref"),
                            dict(notebook="02", task="3 vs 7", method="mean digit", value=0.95, train_seconds=0.0,
                                 params=1568, run="ref")])
    axes = helpers.plot_error_vs_time(results)
    legend = axes[0].figure.legends[0]
    labels = [t.get_text() for t in legend.get_texts()]
    assert labels[0] == "reference run" and labels[1].startswith("your run") and labels[2].startswith("no training")
    faces = [h.get_markerfacecolor() for h in legend.legend_handles]
    assert faces[0] == "none" and faces[1] != "none"       # hollow for the reference, filled for yours
    plt.close("all")


def test_step_ratios_print_without_digits_that_are_not_significant():
    results = pd.DataFrame([dict(notebook="03", task="t", method="a", value=0.9, train_seconds=1.0, params=10, run="r"),
                            dict(notebook="04", task="t", method="b", value=0.99, train_seconds=54.4, params=5000, run="r"),
                            dict(notebook="05", task="t", method="c", value=0.995, train_seconds=27.2, params=2500, run="r")])
    table = helpers.step_costs(results, [("t", "a", "b", "x"), ("t", "b", "c", "y")])  # ratios 54 and 0.5 in one column
    assert list(table.time_x) == ["54", "1/2"] and list(table.params_x) == ["500", "1/2"]
    small = [dict(notebook="06", task="t", method="big", value=0.99, train_seconds=150.0, params=11_708_992, run="r"),
             dict(notebook="07", task="t", method="small", value=0.99, train_seconds=1.0, params=215_194, run="r")]
    fractions = helpers.step_costs(pd.DataFrame(small), [("t", "big", "small", "z")])
    assert list(fractions.params_x) == ["1/54"] and list(fractions.time_x) == ["~1/150"]  # from the exact ratio
    text = table.to_string()
    assert "54.0" not in text and "500.0" not in text and " 54 " in text


def test_a_step_counts_its_changes_and_marks_times_measured_differently():
    """A step lists its changes (one text, or a list); its time ratio gets a "~" when the two notebooks' times
    cover different things (fastai's training with its validation against notebook 07's time to a test accuracy),
    since it is then a rough ratio."""
    results = pd.DataFrame([dict(notebook="04", task="t", method="a", value=0.9, train_seconds=2.0, params=10, run="r"),
                            dict(notebook="06", task="t", method="b", value=0.95, train_seconds=4.0, params=20, run="r"),
                            dict(notebook="07", task="t", method="c", value=0.99, train_seconds=40.0, params=900, run="r")])
    table = helpers.step_costs(results, [("t", "a", "b", "a hidden layer"),
                                         ("t", "b", "c", ["convolutions", "1 epoch instead of 10"])])
    assert list(table["changes"]) == [1, 2]
    assert list(table["what changed"]) == ["a hidden layer", "convolutions; 1 epoch instead of 10"]
    assert list(table["time_x"]) == ["2.0", "~10"]          # 04 and 06 time the same thing, 06 and 07 not
    for bad in ([], "", ["a change", ""]):
        with pytest.raises(ValueError, match="say what changed"):
            helpers.step_costs(results, [("t", "a", "b", bad)])


def test_fewer_mistakes_divides_the_mistakes_the_table_shows():
    """37 mistakes against 8 is 4.6 times fewer, as a learner checking the table works it out; the error
    rates of accuracies rounded to 4 digits (0.0182 / 0.0039) would give 4.7."""
    rows = [dict(notebook="05", task="3 vs 7", method="MLP", value=0.9818, train_seconds=5.0, params=10, run="r"),
            dict(notebook="06", task="3 vs 7", method="resnet18", value=0.9961, train_seconds=34.0, params=20, run="r")]
    table = helpers.summary_table(pd.DataFrame(rows))
    assert list(table.mistakes) == [37, 8]
    assert list(helpers.step_costs(pd.DataFrame(rows), [("3 vs 7", "MLP", "resnet18", "x")]).fewer_mistakes) == ["4.6"]


def test_step_costs_name_the_run_only_when_the_steps_draw_on_two():
    rows = [dict(notebook="03", task="t", method=m, value=v, train_seconds=1.0, params=10, run=r)
            for m, v, r in [("a", 0.9, "ref"), ("b", 0.95, "ref"), ("c", 0.97, "ref")]]
    steps = [("t", "a", "b", "x"), ("t", "b", "c", "y")]
    assert "run" not in helpers.step_costs(pd.DataFrame(rows), steps).columns   # all from the reference run
    mine = [dict(rows[1], run="your run", value=0.96), dict(rows[2], run="your run")]
    table = helpers.step_costs(pd.DataFrame(rows + mine), steps)
    assert list(table["run"]) == ["ref", "your run"]          # your run holds b and c, not a


def test_the_table_counts_mistakes_on_each_tasks_test_images():
    table = helpers.summary_table(RESULTS)
    mean_digit = table[(table.task == "3 vs 7") & (table.method == "mean digit")].iloc[0]
    assert mean_digit.mistakes == 100       # 0.0489 of 2,038 test images is 99.7: a count, so a whole number
    resnet = table[table.method == "resnet18"].iloc[0]
    assert resnet.mistakes == pytest.approx(94, abs=0.1)                      # of 10,000


def test_a_range_is_drawn_through_its_reference_point_and_checked():
    axes = helpers.plot_error_vs_time(RESULTS, ranges={"resnet18": (0.0081, 0.0100)})
    bars = [line for line in axes[1].get_lines() if list(line.get_ydata()) == [0.0081, 0.0100]]
    assert len(bars) == 1 and list(bars[0].get_xdata()) == [156.8, 156.8]
    bands = [p for p in axes[1].patches if p.get_alpha() == 0.12]        # the same range, across the panel
    assert len(bands) == 1 and np.allclose([bands[0].get_y(), bands[0].get_y() + bands[0].get_height()], [0.0081, 0.0100])
    labels = [t.get_text() for t in axes[0].figure.legends[0].get_texts()]
    assert "range over runs of that recipe" in labels
    plt.close("all")
    with pytest.raises(ValueError, match="no notebook recorded"):
        helpers.plot_error_vs_time(RESULTS, ranges={"resnet 18": (0.0081, 0.0100)})
    with pytest.raises(ValueError, match="fractions between 0 and 1"):
        helpers.plot_error_vs_time(RESULTS, ranges={"resnet18": (81, 100)})
    plt.close("all")


def test_each_row_says_what_its_time_covers():
    rows = _results([dict(notebook=nb, task="all 10 digits", method=nb, value=0.99, train_seconds=1.0, params=1,
                          run="ref") for nb in ["02_pixel_similarity", "05_mlp", "06_resnet18", "07_fast_training"]])
    table = helpers.summary_table(rows)
    # 03 to 06 record their fits' time, and every fit there ends each epoch with a validation pass
    assert list(table.timed) == ["averaging the images", "training, validated each epoch",
                                 "training, validated each epoch", "building to test accuracy, median of 3 seeds"]


def test_steps_are_drawn_as_arrows_between_the_reference_points_and_checked():
    methods = list(dict.fromkeys(RESULTS[RESULTS.task == "all 10 digits"].method))[:2]
    axes = helpers.plot_error_vs_time(RESULTS, steps=[("all 10 digits", methods[0], methods[1], "a change")])
    arrows = [a for a in axes[1].texts if getattr(a, "arrow_patch", None) is not None and a.get_text() == ""]
    assert len(arrows) == 1 and not [a for a in axes[0].texts if a.get_text() == ""]   # only in its task's panel
    assert "a step of the course" in [t.get_text() for t in axes[0].figure.legends[0].get_texts()]
    with pytest.raises(ValueError, match="reference run lacks"):
        helpers.plot_error_vs_time(RESULTS, steps=[("all 10 digits", methods[0], "no such model", "x")])
    plt.close("all")


def test_a_label_between_two_arrows_moves_off_them_rather_than_across():
    """b sits between a and c on one line, with arrows a → b → c: right or left of b a label would lie on an arrow
    and read as the label of the arrow's other end, so it goes above or below b, joined to it by a line."""
    rows = [dict(notebook="04", task="t", method=m, value=v, train_seconds=s, params=10, run="ref")
            for m, v, s in [("a", 0.99, 100.0), ("b", 0.99, 10.0), ("c", 0.99, 1.0)]]
    results = _results(rows)
    axes = helpers.plot_error_vs_time(results, steps=[("t", "a", "b", "x"), ("t", "b", "c", "y")])
    ax = axes[0]
    renderer = ax.figure.canvas.get_renderer()
    label = next(t for t in ax.texts if t.get_text() == "b")
    box = Text.get_window_extent(label, renderer)
    y_line = ax.transData.transform([(10.0, 0.01)])[0][1]          # the arrows run along this height
    assert not (box.y0 <= y_line <= box.y1), (box, y_line)
    assert label.arrow_patch is not None                          # joined to its point by a thin line
    plt.close("all")


def test_each_label_lies_nearer_its_own_point_than_any_other():
    """notebook 08's 3 vs 7 panel, from an earlier reference run: an arrow comes down to resnet18, a short one goes up to
    resnet18 with augmentation. A label pushed below its point, next to the other one, reads as that one's label."""
    points = [("mean digit (L1)", 0.0486, 0.00373), ("mean digit (RMSE)", 0.0339, 0.00373),
              ("linear, SGD by hand", 0.025, 0.331), ("linear, fastai Learner", 0.0177, 1.25),
              ("MLP 784-30-1 (fastai Learner)", 0.0182, 5.59), ("resnet18 (fastai)", 0.0039, 33.8),
              ("resnet18, augmentation (fastai)", 0.0049, 38.0)]
    rows = [dict(notebook="04", task="3 vs 7", method=m, value=1 - e, train_seconds=s, params=10, run="ref")
            for m, e, s in points]
    rows.append(dict(notebook="04", task="ten", method="other", value=0.99, train_seconds=1.0, params=10, run="ref"))
    steps = [("3 vs 7", a[0], b[0], "a step") for a, b in zip(points, points[1:])]
    ax = helpers.plot_error_vs_time(_results(rows), steps=steps, figsize=(12, 7))[0]
    renderer = ax.figure.canvas.get_renderer()
    pixels = {m: ax.transData.transform([(s, e)])[0] for m, e, s in points}
    for label in [t for t in ax.texts if t.get_text()]:
        box = Text.get_window_extent(label, renderer)
        distance = {m: float(np.hypot(max(box.x0 - p[0], 0, p[0] - box.x1), max(box.y0 - p[1], 0, p[1] - box.y1)))
                    for m, p in pixels.items()}
        assert min(distance, key=distance.get) == label.get_text().replace("\n", " "), (label.get_text(), distance)
    plt.close("all")
