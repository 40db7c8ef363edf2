"""The main job's runner: runs notebooks in order, saves full-mode outputs, reports failures."""

from __future__ import annotations

import json

import nbformat

import pytest

from helpers._course.runner import find_notebook, run_notebooks


def _notebook(path, source: str) -> None:
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source)]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbformat.write(nb, path)


def test_full_mode_saves_outputs_and_reports_failures(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MNIST_QUICK", "0")
    good, bad = tmp_path / "01_good.ipynb", tmp_path / "02_bad.ipynb"
    _notebook(good, "print(6 * 7)")
    _notebook(bad, "1 / 0")
    assert run_notebooks([str(good), str(bad)]) == 1
    out = capsys.readouterr().out
    assert "01_good.ipynb  ok" in out and "02_bad.ipynb   FAILED" in out and "ZeroDivisionError" in out
    cell = json.loads(good.read_text())["cells"][0]
    assert cell["execution_count"] == 1 and "".join(cell["outputs"][0]["text"]) == "42\n"
    assert json.loads(bad.read_text())["cells"][0]["outputs"] == []  # a failed run is not saved


def test_quick_mode_leaves_the_committed_outputs_alone(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MNIST_QUICK", "1")
    nb = tmp_path / "01_x.ipynb"
    _notebook(nb, "print('hi')")
    before = nb.read_text()
    assert run_notebooks([str(nb)]) == 0
    assert nb.read_text() == before
    assert "outputs not saved" in capsys.readouterr().out


def test_an_unchanged_notebook_saves_the_same_bytes_twice(tmp_path, monkeypatch):
    """Styler table ids, widget ids (and the order of the widget state they key) and output split by
    timing would otherwise differ on every run; after a re-run only what really changed may change."""
    monkeypatch.setenv("MNIST_QUICK", "0")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("import pandas as pd\npd.DataFrame({'a': [1, 2]}).style.highlight_max()"),
                nbformat.v4.new_code_cell("import ipywidgets as w\nw.VBox([w.IntSlider(), w.FloatSlider(), w.Text()])"),
                nbformat.v4.new_code_cell("import time, sys\nprint('a', flush=True); time.sleep(0.3); print('b')")]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "01_x.ipynb"
    nbformat.write(nb, path)
    assert run_notebooks([str(path)]) == 0
    first = path.read_text()
    assert run_notebooks([str(path)]) == 0
    assert path.read_text() == first
    saved = json.loads(first)
    assert len(saved["metadata"]["widgets"]["application/vnd.jupyter.widget-state+json"]["state"]) >= 4
    assert saved["cells"][2]["outputs"] == [{"name": "stdout", "output_type": "stream", "text": ["a\n", "b\n"]}]


def test_a_cleared_progress_bar_leaves_no_blank_output(tmp_path, monkeypatch):
    """fastai's progress bar, once cleared, leaves a display of only a <style> block (or nothing), which a text
    view shows as "<IPython.core.display.HTML object>"; the saved notebook keeps the cell's real outputs only."""
    monkeypatch.setenv("MNIST_QUICK", "0")
    path = tmp_path / "01_x.ipynb"
    _notebook(path, "from IPython.display import HTML, display\n"
                    "display(HTML('<style>td { padding: 8px }</style>')); display(HTML(''))\n"
                    "display({'text/html': '<div></div>', 'text/markdown': '<div></div>'}, raw=True)\n"
                    "display(HTML('<div><table><tr><td>0.99</td></tr></table></div>')); print('done')")
    assert run_notebooks([str(path)]) == 0
    outputs = json.loads(path.read_text())["cells"][0]["outputs"]
    assert [o["output_type"] for o in outputs] == ["display_data", "stream"]
    assert "0.99" in "".join(outputs[0]["data"]["text/html"])


def test_a_full_run_makes_each_notebooks_results_the_reference(tmp_path, monkeypatch):
    from helpers._course import runner

    ref = tmp_path / "reference.json"
    ref.write_text(json.dumps({"machine": "old", "mode": "full", "results": [
        {"notebook": "02_a", "method": "x", "value": 0.5}, {"notebook": "03_b", "method": "y", "value": 0.6}]}))
    runner.update_reference("03_b", [{"notebook": "03_b", "method": "y", "value": 0.7},
                                     {"notebook": "03_b", "method": "z", "value": 0.8}], dest=ref)
    data = json.loads(ref.read_text())
    assert [(r["notebook"], r["method"], r["value"]) for r in data["results"]] == [
        ("02_a", "x", 0.5), ("03_b", "y", 0.7), ("03_b", "z", 0.8)]
    assert data["machine"] == runner.machine_name() and data["mode"] == "full"


def test_a_notebook_can_be_named_by_its_name_or_number(tmp_path):
    for name in ("01_pixels", "02_pixel_similarity", "02_pixel_similarity_extra"):
        _notebook(tmp_path / f"{name}.ipynb", "")
    assert find_notebook("01", tmp_path).name == "01_pixels.ipynb"
    assert find_notebook("01_pixels", tmp_path).name == "01_pixels.ipynb"
    assert find_notebook("02_pixel_similarity.ipynb", tmp_path).name == "02_pixel_similarity.ipynb"  # whole name wins
    assert find_notebook(str(tmp_path / "01_pixels.ipynb")) == (tmp_path / "01_pixels.ipynb").resolve()
    with pytest.raises(ValueError, match="matches several notebooks"):
        find_notebook("02", tmp_path)
    (tmp_path / "notes.txt").write_text("not a notebook")
    with pytest.raises(ValueError, match="is not a notebook file"):
        find_notebook(str(tmp_path / "notes.txt"), tmp_path)
    with pytest.raises(ValueError, match="is not a notebook file"):
        find_notebook(str(tmp_path / "gone" / "05_x.ipynb"), tmp_path)   # a path to nothing: no glob error


def test_an_unknown_notebook_name_says_which_exist(capsys):
    assert run_notebooks(["5_resnet"]) == 2
    out = capsys.readouterr().out
    assert "'5_resnet' is not a notebook" in out and "06_resnet18" in out and "08_summary" in out


def test_each_saved_notebook_hands_what_it_recorded_to_after_each(tmp_path, monkeypatch):
    monkeypatch.setenv("MNIST_QUICK", "0")
    nb, silent = tmp_path / "01_records.ipynb", tmp_path / "02_silent.ipynb"
    _notebook(nb, "import json, pathlib\n(p := pathlib.Path('results/full')).mkdir(parents=True, exist_ok=True)\n"
                  "(p / '01_records.json').write_text(json.dumps([{'notebook': '01_records', 'task': 't', 'method': 'm', 'value': 0.9}]))")
    _notebook(silent, "print('records nothing')")
    calls = []
    assert run_notebooks([str(nb), str(silent)], after_each=lambda name, rows: calls.append((name, rows))) == 0
    assert calls == [("01_records", [{"notebook": "01_records", "task": "t", "method": "m", "value": 0.9}])]
    monkeypatch.setenv("MNIST_QUICK", "1")                       # quick mode saves nothing: nothing to hand on
    calls.clear()
    assert run_notebooks([str(nb)], after_each=lambda name, rows: calls.append(name)) == 0 and calls == []
