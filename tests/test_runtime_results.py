"""Quick mode, seeding, device choice, and the results record."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pandas as pd
import pytest
import torch

import helpers
from helpers._course.results import load_results, reference_results, results_dir
from helpers.runtime import get_device, quick_mode


@pytest.mark.parametrize("value, quick", [("1", True), ("yes", True), ("0", False), ("", False), ("off", False)])
def test_quick_mode_follows_the_environment(monkeypatch, value, quick):
    monkeypatch.setenv("MNIST_QUICK", value)
    assert quick_mode() is quick


def test_setup_seeds_everything_and_reports(capsys):
    device = helpers.setup(seed=7)
    a = torch.randn(3)
    helpers.setup(seed=7)
    assert torch.equal(a, torch.randn(3))
    assert device == get_device()
    assert capsys.readouterr().out.startswith(f"Device: {device.type} | seed: 7\n")


def test_import_and_setup_leave_the_warning_filters_alone():
    """No process-wide warning filter: importing helpers and calling setup() add none. In a fresh interpreter,
    so that "before" is really before helpers' import; the libraries it builds on (which set filters of their
    own when imported) are imported first."""
    code = ("import warnings, torch, numpy, pandas, matplotlib, ipywidgets, anywidget; before = list(warnings.filters); "
            "import helpers; helpers.setup(seed=1, verbose=False); print(list(warnings.filters) == before)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.stdout.strip() == "True", done.stdout + done.stderr
    with pytest.warns(FutureWarning, match="jit.script"):  # the warning itself still shows elsewhere
        torch.jit.script(_identity)


def test_after_setup_the_profiler_writes_no_log_lines():
    """PyTorch's profiler (notebook 07) prints "profiler_start" and, without a GPU, "gpuGetDeviceCount failed" from
    C++; after setup() it prints only what the lesson asks for. A level set beforehand is left as it is."""
    code = ("import torch, helpers; helpers.setup(verbose=False)\n"
            "from torch.profiler import profile\n"
            "with profile(): torch.ones(3).sum()\n"
            "import os; print(os.environ['KINETO_LOG_LEVEL'])")
    env = {k: v for k, v in os.environ.items() if k != "KINETO_LOG_LEVEL"}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0 and "profiler_start" not in done.stdout + done.stderr, done.stdout + done.stderr
    assert done.stdout.strip() == "6"


def test_setup_leaves_a_profiler_log_level_you_chose(monkeypatch):
    monkeypatch.setenv("KINETO_LOG_LEVEL", "2")
    helpers.setup(verbose=False)
    assert os.environ["KINETO_LOG_LEVEL"] == "2"


def _identity(x: torch.Tensor) -> torch.Tensor:
    return x


def test_record_results_replaces_the_notebooks_file(tmp_path, monkeypatch):
    monkeypatch.setenv("MNIST_RESULTS", str(tmp_path))
    monkeypatch.setenv("MNIST_QUICK", "1")
    helpers.record_results("02_x", [dict(task="3 vs 7", method="mean digit (L1)", value=0.9, params=0)])
    table = helpers.record_results("02_x", [dict(task="3 vs 7", method="mean digit (L1)", value=0.95111),
                                            dict(task="3 vs 7", method="mean digit (RMSE)", value=0.96)], device="cpu")
    rows = json.loads((tmp_path / "quick" / "02_x.json").read_text())
    assert [(r["method"], r["value"], r["mode"]) for r in rows] == [("mean digit (L1)", 0.9511, "quick"),
                                                                   ("mean digit (RMSE)", 0.96, "quick")]
    assert table["value"].tolist() == [0.9511, 0.96]
    assert results_dir("full") == tmp_path / "full"
    assert list(tmp_path.rglob("*.tmp")) == []


def test_record_results_keeps_a_few_milliseconds(tmp_path, monkeypatch):
    """Averaging images takes milliseconds: rounding to 0.01 s made it 0.0, which reads as "no training"."""
    monkeypatch.setenv("MNIST_RESULTS", str(tmp_path))
    table = helpers.record_results("02_x", [dict(task="3 vs 7", method="mean digit", value=0.95, train_seconds=0.0021349),
                                            dict(task="3 vs 7", method="linear", value=0.97, train_seconds=156.8123)])
    assert table["train_seconds"].tolist() == [0.002135, 156.8]


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), "high"])
def test_record_results_refuses_what_is_not_a_number_and_writes_nothing(tmp_path, monkeypatch, bad):
    monkeypatch.setenv("MNIST_RESULTS", str(tmp_path))
    monkeypatch.setenv("MNIST_QUICK", "0")
    helpers.record_results("03_y", [dict(task="3 vs 7", method="linear", value=0.97)])
    before = (tmp_path / "full" / "03_y.json").read_text()
    with pytest.raises(ValueError, match="linear"):
        helpers.record_results("03_y", [dict(task="3 vs 7", method="linear", value=bad)])
    assert (tmp_path / "full" / "03_y.json").read_text() == before
    json.loads(before)  # still valid JSON


@pytest.mark.parametrize("results, words", [
    ({"task": "3 vs 7", "method": "a", "value": 0.9}, "list of dicts"),
    ([{"task": "3 vs 7", "method": "a", "value": 0.9, "floor": 0.8}], "unknown key"),
    ([{"task": "3 vs 7", "value": 0.9}], "method must be"),
    ([{"task": "3 vs 7", "method": "a", "value": 0.9}] * 2, "twice"),
])
def test_record_results_bad_input_says_what_to_do(tmp_path, monkeypatch, results, words):
    monkeypatch.setenv("MNIST_RESULTS", str(tmp_path))
    with pytest.raises(ValueError, match=words):
        helpers.record_results("03_y", results)


def test_two_writers_never_share_a_temporary_file(tmp_path, monkeypatch):
    """Each write goes through a temporary file of its own (the old code used one fixed name)."""
    monkeypatch.setenv("MNIST_RESULTS", str(tmp_path))
    names = []
    real = type(tmp_path).write_text

    def spy(self, *args, **kwargs):
        names.append(self.name)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(type(tmp_path), "write_text", spy)
    helpers.record_results("03_y", [dict(task="t", method="a", value=0.5)])
    helpers.record_results("03_y", [dict(task="t", method="a", value=0.6)])
    assert len(names) == 2 and names[0] != names[1] and all(n.endswith(".tmp") for n in names)


def test_load_results_gives_yours_beside_the_reference(tmp_path, monkeypatch):
    monkeypatch.setenv("MNIST_RESULTS", str(tmp_path))
    label, ref = reference_results()
    alone = load_results()
    assert set(alone["run"]) == {label} and len(alone) == len(ref)   # nothing of yours yet: the reference
    helpers.record_results("05_mlp", [dict(task="3 vs 7", method="MLP", value=0.98, train_seconds=5)])
    both = load_results()
    assert set(both["run"]) == {label, "your run"} and len(both) == len(ref) + 1
    assert load_results(reference=False)["method"].tolist() == ["MLP"]


def test_load_results_names_a_broken_file(tmp_path, monkeypatch):
    monkeypatch.setenv("MNIST_RESULTS", str(tmp_path))
    monkeypatch.setenv("MNIST_QUICK", "0")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "03_y.json").write_text("[{")
    with pytest.raises(ValueError, match="03_y.json is not valid JSON: delete it and re-run its notebook"):
        load_results()


def test_your_result_identical_to_the_reference_is_listed_once(tmp_path, monkeypatch):
    monkeypatch.setenv("MNIST_RESULTS", str(tmp_path))
    label, ref = reference_results()
    row = ref.iloc[0]
    helpers.record_results(row["notebook"], [dict(task=row["task"], method=row["method"], value=row["value"],
                                                  train_seconds=row["train_seconds"], params=row["params"])])
    assert len(load_results()) == len(ref)
    helpers.record_results(row["notebook"], [dict(task=row["task"], method=row["method"], value=row["value"],
                                                  train_seconds=row["train_seconds"] + 1, params=row["params"])])
    assert len(load_results()) == len(ref) + 1 and (load_results()["run"] == "your run").sum() == 1
