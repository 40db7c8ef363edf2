"""Tests for helpers.summary: parameter counts, folder subsets, the pretrained fallback,
the summary table and chart, and fastai histories."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pandas as pd
import pytest
import torch.nn as nn
from PIL import Image

import helpers
from helpers import summary


def _results() -> pd.DataFrame:
    rows = [
        dict(notebook="05_resnet18", method="resnet18", task="all 10 digits", metric="accuracy",
             value=0.986, train_seconds=286.0, params=11708992, device="cpu", mode="full"),
        dict(notebook="02_pixel_similarity", method="mean digit (L1)", task="3 vs 7", metric="accuracy",
             value=0.9511, train_seconds=None, params=None, device="cpu", mode="full"),
        dict(notebook="03_sgd_from_scratch", method="linear", task="3 vs 7", metric="accuracy",
             value=0.97, train_seconds=2.0, params=785, device="cpu", mode="full"),
        dict(notebook="03_sgd_from_scratch", method="linear", task="3 vs 7", metric="loss",
             value=0.1, train_seconds=2.0, params=785, device="cpu", mode="full"),
    ]
    return pd.DataFrame(rows, columns=helpers.results.COLUMNS)


def test_count_params_known_models():
    assert helpers.count_params(nn.Linear(784, 1)) == 785
    assert helpers.count_params(nn.Sequential(nn.Linear(784, 30), nn.ReLU(), nn.Linear(30, 1))) == 23581
    assert helpers.count_params(nn.Linear(3, 2, bias=False)) == 6


def test_count_params_trainable_only():
    model = nn.Sequential(nn.Linear(10, 5), nn.Linear(5, 1))
    for p in model[0].parameters():
        p.requires_grad_(False)
    assert helpers.count_params(model) == 61
    assert helpers.count_params(model, trainable_only=True) == 6


def test_count_params_rejects_non_module():
    with pytest.raises(ValueError, match="nn.Module"):
        helpers.count_params([1, 2, 3])


def _png_tree(root, folders=("train", "valid"), labels=("3", "7"), n=5):
    for f in folders:
        for lab in labels:
            d = root / f / lab
            d.mkdir(parents=True)
            for i in range(n):
                Image.new("L", (28, 28), color=i).save(d / f"{i * 7}.png")
    return root


def test_subset_folder_takes_first_per_class(tmp_path):
    src = _png_tree(tmp_path / "src", n=12)
    small = helpers.subset_folder(src, 3, ["train", "valid"], dest=tmp_path / "small")
    for f in ("train", "valid"):
        for lab in ("3", "7"):
            names = sorted(p.name for p in (small / f / lab).iterdir())
            assert names == ["0.png", "14.png", "7.png"]  # the 3 lowest indices: 0, 7, 14
    # reused, not rebuilt, the second time
    marker = small / ".complete"
    mtime = marker.stat().st_mtime_ns
    assert helpers.subset_folder(src, 3, ["train", "valid"], dest=tmp_path / "small") == small
    assert marker.stat().st_mtime_ns == mtime


def test_subset_folder_bad_input(tmp_path):
    src = _png_tree(tmp_path / "src")
    with pytest.raises(ValueError, match="no folder 'testing'"):
        helpers.subset_folder(src, 3, ["testing"])
    with pytest.raises(ValueError, match="at least 1"):
        helpers.subset_folder(src, 0, ["train"])


def test_pretrained_available_is_quiet(capsys):
    def failing_download():
        import sys
        print("Downloading: https://example.invalid/weights.pth to /root/x", file=sys.stderr)
        raise OSError("Name or service not known")

    assert helpers.pretrained_available(failing_download) is False
    assert helpers.pretrained_available(lambda: "weights") is True
    out = capsys.readouterr()
    assert out.out == "" and out.err == ""


def test_summary_table_keeps_accuracy_and_orders_by_task():
    table = helpers.summary_table(_results())
    assert list(table.columns) == ["task", "method", "accuracy", "train_seconds", "params", "device", "notebook"]
    assert table["task"].tolist() == ["3 vs 7", "3 vs 7", "all 10 digits"]
    assert table["method"].tolist() == ["mean digit (L1)", "linear", "resnet18"]
    assert table["accuracy"].tolist() == [0.9511, 0.97, 0.986]
    assert pd.isna(table.loc[0, "params"]) and table.loc[2, "params"] == 11708992


def test_summary_table_bad_input():
    with pytest.raises(ValueError, match="missing"):
        helpers.summary_table(pd.DataFrame({"method": ["x"]}))


def test_missing_notebooks():
    assert helpers.missing_notebooks(_results()) == ["04_mlp"]
    assert helpers.missing_notebooks(pd.DataFrame()) == list(summary.EXPECTED_NOTEBOOKS)


def test_plot_accuracy_vs_time_one_panel_per_task():
    table = helpers.summary_table(_results())
    axes = helpers.plot_accuracy_vs_time(table)
    assert [ax.get_title() for ax in axes] == ["3 vs 7", "all 10 digits"]
    assert all(ax.get_xscale() == "log" for ax in axes)
    assert [len(ax.collections[0].get_offsets()) for ax in axes] == [2, 1]
    xs = [x for x, _ in axes[0].collections[0].get_offsets()]
    assert min(xs) == pytest.approx(0.1)  # the untrained method is drawn at min_seconds
    assert {t.get_text() for ax in axes for t in ax.texts} == {"mean digit (L1)", "linear", "resnet18"}
    with pytest.raises(ValueError, match="accuracy"):
        helpers.plot_accuracy_vs_time(table.drop(columns="accuracy"))


def test_fastai_history():
    class Recorder:
        metric_names = ["epoch", "train_loss", "valid_loss", "accuracy", "time"]
        values = [[0.5, 0.3, 0.9], [0.2, 0.1, 0.97]]

    class Learn:
        recorder = Recorder()

    df = helpers.fastai_history(Learn())
    assert df.columns.tolist() == ["train_loss", "valid_loss", "accuracy"]
    assert df["accuracy"].tolist() == [0.9, 0.97]
    assert df.index.name == "epoch"
    with pytest.raises(ValueError, match="Learner"):
        helpers.fastai_history(object())


def test_step_costs_compares_with_best_earlier_method():
    table = pd.DataFrame(dict(
        task=["3 vs 7"] * 3, method=["a", "b", "c"], accuracy=[0.95, 0.90, 0.99],
        train_seconds=[2.0, 1.0, 20.0], params=[100, 10, 1000], device="cpu", notebook=["02", "03", "04"]))
    steps = helpers.step_costs(table, "3 vs 7")
    assert steps["method"].tolist() == ["a", "b", "c"]
    assert pd.isna(steps.loc[0, "fewer_mistakes"])
    assert steps.loc[1, "fewer_mistakes"] == pytest.approx(0.5)       # b is worse than a
    assert steps.loc[2, "fewer_mistakes"] == pytest.approx(5.0)       # c vs a (the best so far): 5% -> 1% errors
    assert steps.loc[2, "time_x"] == pytest.approx(10.0)
    assert steps.loc[2, "params_x"] == pytest.approx(10.0)
    with pytest.raises(ValueError, match="No results for task"):
        helpers.step_costs(table, "all 10 digits")


def test_plot_accuracy_vs_time_empty_table_says_so():
    empty = helpers.summary_table(pd.DataFrame(columns=helpers.results.COLUMNS))
    axes = helpers.plot_accuracy_vs_time(empty)
    assert len(axes) == 1
    assert [t.get_text() for t in axes[0].texts] == ["no results yet"]


def test_labels_of_nearby_points_do_not_overlap():
    # The committed run's ten-digit panel: MLP and resnet18 sit a few pixels apart.
    table = pd.DataFrame({"task": ["3 vs 7"] + ["all 10 digits"] * 4,
                          "method": ["linear 3v7", "mean digit", "linear", "MLP", "resnet18"],
                          "accuracy": [0.97, 0.6685, 0.9228, 0.9834, 0.9906],
                          "train_seconds": [1.0, 0.1, 3.5, 12.2, 156.8]})
    _, ax = helpers.plot_accuracy_vs_time(table)
    offsets = {a.get_text(): a.xyann[1] for a in ax.texts}
    assert offsets["resnet18"] == -3 and offsets["MLP"] < -3, "the lower of two close labels moves down"
    assert offsets["linear"] == -3 and offsets["mean digit"] == -3  # points far from the others keep their place
