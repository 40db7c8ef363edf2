"""Quick mode, seeding, device choice, and the results record."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import torch

import helpers
from helpers.results import results_dir


@pytest.mark.parametrize("value, quick", [("1", True), ("yes", True), ("0", False), ("", False), ("off", False)])
def test_quick_mode_follows_the_environment(monkeypatch, value, quick):
    monkeypatch.setenv("MNIST_QUICK", value)
    assert helpers.quick_mode() is quick
    assert helpers.pick(full=20, quick=2) == (2 if quick else 20)


def test_setup_seeds_everything_and_reports(capsys):
    device = helpers.setup(seed=7)
    a = torch.randn(3)
    helpers.setup(seed=7)
    assert torch.equal(a, torch.randn(3))
    assert device == helpers.get_device()
    assert capsys.readouterr().out.startswith(f"Device: {device.type} | seed: 7 | mode: ")


def test_record_result_replaces_same_method_and_checks_floor(tmp_path, monkeypatch):
    monkeypatch.setenv("MNIST_RESULTS", str(tmp_path))
    monkeypatch.setenv("MNIST_QUICK", "1")
    helpers.record_result("02_x", method="mean digit (L1)", task="3 vs 7", value=0.9, params=0)
    helpers.record_result("02_x", method="mean digit (L1)", task="3 vs 7", value=0.95111)
    helpers.record_result("02_x", method="mean digit (RMSE)", task="3 vs 7", value=0.96)
    rows = json.loads((tmp_path / "quick" / "02_x.json").read_text())
    assert [(r["method"], r["value"]) for r in rows] == [("mean digit (L1)", 0.9511), ("mean digit (RMSE)", 0.96)]
    with pytest.raises(helpers.BelowFloorError, match="0.5000 is below its floor 0.9 \\(quick mode\\)"):
        helpers.record_result("03_y", method="linear", task="3 vs 7", value=0.5, floor=0.9)
    df = helpers.load_results()
    assert isinstance(df, pd.DataFrame) and len(df) == 3  # the failing result is still recorded
    assert results_dir("full") == tmp_path / "full"


def test_load_results_says_what_to_run_when_empty(tmp_path, monkeypatch):
    monkeypatch.setenv("MNIST_RESULTS", str(tmp_path))
    with pytest.raises(FileNotFoundError, match="run notebooks 02 to 05 first"):
        helpers.load_results("full")
