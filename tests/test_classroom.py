"""The classroom edition (TEACHING.md): the notebooks' marks, the student copies, the grader.

The slide decks are tested in a real browser: tests/browser/browser_slides.py (make browser-test).
That the student copies run top to bottom is `make test-student` (nbval on student/).
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "classroom"))
import grade  # noqa: E402
import marks  # noqa: E402
import student  # noqa: E402
from hidden_cases import HIDDEN  # noqa: E402

from helpers._course.exercises_runner import try_cases  # noqa: E402
from helpers.exercises import EXERCISES  # noqa: E402

NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
FOLDED_ANSWER = re.compile(r"<summary>(Solution|Answer)")


def _cells(path: Path) -> list[dict]:
    return json.loads(path.read_text())["cells"]


def test_every_folded_solution_and_answer_key_is_a_tagged_cell_of_its_own():
    assert marks.main(["--check"]) == 0, "run: python classroom/marks.py"
    for nb in NOTEBOOKS:
        for cell in _cells(nb):
            text = "".join(cell["source"])
            tagged = set(cell["metadata"].get("tags", [])) & marks.CLASSROOM_TAGS
            if FOLDED_ANSWER.search(text):
                assert tagged and text.startswith("<details>") and text.rstrip().endswith("</details>"), (nb.name, text[:80])
            else:
                assert not tagged, (nb.name, text[:80])


def test_marks_check_fails_on_a_notebook_with_an_untagged_answer(tmp_path: Path):
    nb = json.loads(NOTEBOOKS[2].read_text())
    for cell in nb["cells"]:
        cell["metadata"].pop("tags", None)
    broken = tmp_path / NOTEBOOKS[2].name
    broken.write_text(json.dumps(nb))
    assert marks.main(["--check", str(broken)]) == 1


def test_each_heading_starts_a_cell_and_each_folded_block_is_a_cell():
    for nb in NOTEBOOKS:
        for cell in _cells(nb):
            if cell["cell_type"] == "markdown":
                assert len(marks._parts("".join(cell["source"]))) == 1, (nb.name, "".join(cell["source"])[:80])


def test_headings_start_slides_and_answers_deep_dives_and_recording_are_skipped():
    for nb in NOTEBOOKS:
        kinds = [(c["metadata"]["slideshow"]["slide_type"], c) for c in _cells(nb)]
        assert kinds[0][0] == "slide"
        skipped_section, level = False, 0  # in a deep dive or the recording, down to the next heading of its level
        for kind, cell in kinds:
            text = "".join(cell["source"]).lstrip()
            if cell["cell_type"] == "markdown" and re.match(r"#{1,3} ", text):
                this = len(text) - len(text.lstrip("#"))
                if "Deep dive (optional)" in text.splitlines()[0] or "Recording" in text.splitlines()[0]:
                    skipped_section, level = True, this
                elif this <= level:
                    skipped_section = False
            if skipped_section and not text.startswith("Next:"):
                assert kind == "skip", (nb.name, text[:60])
                continue
            if (FOLDED_ANSWER.search(text) or text.startswith(("<details>", "## Recording the results"))
                    or "google.colab" in text or (cell["cell_type"] == "code" and "helpers.record_results(" in text)):
                assert kind == "skip", (nb.name, text[:60])
            elif cell["cell_type"] == "markdown" and re.match(r"#{1,3} ", text):
                assert kind == "slide", (nb.name, text[:60])


def test_student_copies_are_up_to_date_with_the_notebooks():
    assert student.main(["--check"]) == 0, "run: make student"


@pytest.mark.parametrize("nb", NOTEBOOKS, ids=lambda p: p.stem)
def test_a_student_copy_keeps_the_exercises_and_questions_without_answers_or_outputs(nb: Path):
    copy = ROOT / "student" / nb.name
    lesson, cells = _cells(nb), _cells(copy)
    text = "".join("".join(c["source"]) for c in cells)
    assert not FOLDED_ANSWER.search(text)
    assert all(c.get("outputs") == [] and c.get("execution_count") is None for c in cells if c["cell_type"] == "code")
    assert "widgets" not in json.loads(copy.read_text())["metadata"]
    def stubs(cells: list[dict]) -> list[str]:
        return [s for c in cells if c["cell_type"] == "code" and "helpers.check(" in (s := "".join(c["source"]))]
    assert stubs(cells) == stubs(lesson)
    assert all("# your code here" in stub for stub in stubs(cells))
    assert ("## Questions" in text) == any("## Questions" in "".join(c["source"]) for c in lesson)
    removed = sum(bool(set(c["metadata"].get("tags", [])) & marks.CLASSROOM_TAGS) for c in lesson)
    questions = [i for i, c in enumerate(cells) if "".join(c["source"]).startswith("## Questions")]
    assert len(cells) == len(lesson) - removed + len(questions)
    for i in questions:  # a place to answer, right under the questions, one numbered line per question
        asked = len(re.findall(r"^\d+\. ", "".join(cells[i]["source"]), flags=re.M))
        answer = "".join(cells[i + 1]["source"])
        assert answer.startswith("### Your answers") and answer.rstrip().endswith(f"{asked}.")
        assert grade.answered({"cells": [cells[i + 1]]}) is False


def test_student_check_fails_when_a_copy_is_stale(tmp_path: Path):
    (tmp_path / "notebooks").mkdir()
    nb = tmp_path / "notebooks" / NOTEBOOKS[0].name
    nb.write_text(NOTEBOOKS[0].read_text())
    assert [p.name for p in student.build(tmp_path / "notebooks", tmp_path / "student")] == [nb.name]
    assert student.build(tmp_path / "notebooks", tmp_path / "student", check=True) == []
    nb.write_text(nb.read_text().replace("Pixels", "Pixles", 1))
    assert student.build(tmp_path / "notebooks", tmp_path / "student", check=True) != []


# ------------------------------------------------------------ grading


def test_every_exercise_has_hidden_cases_that_the_reference_passes():
    assert set(HIDDEN) == set(EXERCISES)
    for name, exercise in EXERCISES.items():
        for seed in (0, 1, 2):
            cases = HIDDEN[name](seed)
            assert cases and all(r.problem is None for r in try_cases(exercise, exercise.solution, cases)), name
    shapes = {tuple(HIDDEN["two_layers"](seed)[0][1][0].shape) for seed in range(5)}
    assert len(shapes) > 1, "the hidden inputs must change with the seed"


def _solutions() -> dict[str, str]:
    """{exercise: the code of its folded solution}, read from the notebooks."""
    found = {}
    for nb in NOTEBOOKS:
        for cell in _cells(nb):
            if "solution" in cell["metadata"].get("tags", []):
                code = re.search(r"```python\n(.*?)```", "".join(cell["source"]), re.S)[1]
                named = re.search(r"(?:def|class) (\w+)", code)
                if named:                    # a checked exercise's solution; a "train it yourself" one defines nothing
                    found[named[1]] = code
    return found


def _returned(source: Path, answers: dict[str, str]) -> dict:
    """A student copy with some exercises answered: their stub replaced by `answers[name]`."""
    nb = json.loads(source.read_text())
    for cell in nb["cells"]:
        text = "".join(cell["source"])
        m = grade.CHECK.search(text)
        if cell["cell_type"] == "code" and m and m[1] in answers:
            cell["source"] = answers[m[1]] + text[text.index(f"{m[1]} = helpers.check"):]
    return nb


@pytest.fixture(scope="module")
def returned(tmp_path_factory) -> Path:
    """Three returned notebooks: complete (03), half-finished (05: relu wrong, two_layers and mlp untouched), corrupt."""
    folder = tmp_path_factory.mktemp("returned")
    solutions = _solutions()
    (folder / "ada").mkdir()
    complete = _returned(ROOT / "student" / "03_sgd_from_scratch.ipynb",
                         {"mnist_loss": solutions["mnist_loss"], "BasicOptim": solutions["BasicOptim"]})
    answers = next(c for c in complete["cells"] if "".join(c["source"]).startswith("### Your answers"))
    answers["source"] = "".join(answers["source"]).replace("\n1. ", "\n1. The loss, because accuracy is flat.", 1)
    (folder / "ada" / "03_sgd_from_scratch.ipynb").write_text(json.dumps(complete))
    # relu written but wrong, the stub's comment kept (it is still an attempt); two_layers and mlp untouched
    half = _returned(ROOT / "student" / "05_mlp.ipynb", {"relu": "def relu(x):\n    return x.abs()  # your code here\n"})
    (folder / "ben_05_mlp.ipynb").write_text(json.dumps(half))
    (folder / "cy_03.ipynb").write_text((ROOT / "student" / "03_sgd_from_scratch.ipynb").read_text()[:3000])
    return folder


def _digest(folder: Path) -> dict[str, str]:
    return {str(p): hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_grading_three_returned_notebooks_gives_one_row_per_exercise(returned: Path, tmp_path: Path):
    before = _digest(returned)
    out = tmp_path / "grades.csv"
    done = subprocess.run([sys.executable, str(ROOT / "classroom" / "grade.py"), str(returned), "--out", str(out),
                           "--seed", "7"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    rows = [(r["student"], r["exercise"], r["passed"], r["status"]) for r in csv.DictReader(out.open())]
    assert rows == [("ada", "mnist_loss", "yes", "passed"), ("ada", "BasicOptim", "yes", "passed"),
                    ("ada", "questions", "", "answered"),
                    ("ben", "relu", "no", "failed"), ("ben", "two_layers", "no", "not attempted"),
                    ("ben", "mlp", "no", "not attempted"), ("ben", "questions", "", "not answered"),
                    ("cy", "", "no", "unreadable")]
    per_student = list(csv.DictReader((tmp_path / "grades-summary.csv").open()))
    assert [(r["student"], r["passed"], r["exercises"]) for r in per_student] == [("ada", "2", "2"), ("ben", "0", "3")]
    relu = next(r for r in csv.DictReader(out.open()) if r["exercise"] == "relu")
    assert relu["hint_shown"] == "negative numbers become 0, not positive: `x.clamp_min(0.)`."  # the self-check's
    assert relu["visible"] == "0/3" and relu["hidden"] == "0/1"
    assert _digest(returned) == before, "the grader changed a returned notebook"


def test_a_notebook_without_exercises_gets_its_questions_row_only(tmp_path: Path):
    nb = json.loads((ROOT / "student" / "08_summary.ipynb").read_text())
    answers = next(c for c in nb["cells"] if "".join(c["source"]).startswith("### Your answers"))
    answers["source"] = "### Your answers\n\n1. Error rates show factors.\n"  # the instruction line deleted
    (tmp_path / "ada_08.ipynb").write_text(json.dumps(nb))
    assert [(r["exercise"], r["status"]) for r in grade.grade(tmp_path, seed=0)] == [("questions", "answered")]


def test_code_that_only_fits_the_visible_cases_fails_the_hidden_ones(tmp_path: Path):
    visible = {c_in: EXERCISES["conv_multiply_adds"].solution(c_in, c_out, k, n)
               for _, (c_in, c_out, k, n) in EXERCISES["conv_multiply_adds"].cases()}
    cheat = f"def conv_multiply_adds(c_in, c_out, kernel, size):\n    return {visible!r}[c_in]\n"
    nb = _returned(ROOT / "student" / "07_fast_training.ipynb", {"conv_multiply_adds": cheat})
    (tmp_path / "eve_07.ipynb").write_text(json.dumps(nb))
    rows = grade.grade(tmp_path, seed=3)
    cheat_row = next(r for r in rows if r["exercise"] == "conv_multiply_adds")
    assert (cheat_row["visible"], cheat_row["hidden"], cheat_row["passed"]) == ("3/3", "0/1", "no")


def test_a_cell_that_raises_or_loops_is_reported_and_the_run_goes_on(tmp_path: Path, monkeypatch):
    endless = _returned(ROOT / "student" / "05_mlp.ipynb", {"relu": "def relu(x):\n    return x.clamp_min(0.)\n"
                                                                     "while True:\n    pass\n"})
    typo = _returned(ROOT / "student" / "05_mlp.ipynb", {"relu": "def relu(x)\n    return x\n"})
    (tmp_path / "loop_05.ipynb").write_text(json.dumps(endless))
    (tmp_path / "typo_05.ipynb").write_text(json.dumps(typo))
    monkeypatch.setattr(grade, "TIMEOUT_S", 10)
    rows = {(r["student"], r["exercise"]): r for r in grade.grade(tmp_path, seed=0)}
    assert rows["loop", "relu"]["status"] == "timed out" and ("loop", "two_layers") not in rows
    assert rows["typo", "relu"]["status"] == "error" and "SyntaxError" in rows["typo", "relu"]["problem"]
    assert rows["typo", "two_layers"]["status"] == "not attempted"


def test_a_later_exercise_sees_the_earlier_one_as_the_notebook_would(tmp_path: Path):
    """05's two_layers may call the student's relu (its hint says so); a failed relu leaves the course's own."""
    uses_relu = "def two_layers(xb, w1, b1, w2, b2):\n    return relu(xb @ w1 + b1) @ w2 + b2\n"
    for student, relu in [("right", "def relu(x):\n    return x.clamp_min(0.)\n"),
                          ("wrong", "def relu(x):\n    return x.abs()\n")]:
        nb = _returned(ROOT / "student" / "05_mlp.ipynb", {"relu": relu, "two_layers": uses_relu})
        (tmp_path / f"{student}_05.ipynb").write_text(json.dumps(nb))
    rows = {(r["student"], r["exercise"]): r["status"] for r in grade.grade(tmp_path, seed=0)}
    assert rows["right", "two_layers"] == rows["wrong", "two_layers"] == "passed"
    assert (rows["right", "relu"], rows["wrong", "relu"]) == ("passed", "failed")


def test_grade_says_what_to_do_when_the_folder_is_missing(tmp_path: Path):
    done = subprocess.run([sys.executable, str(ROOT / "classroom" / "grade.py"), str(tmp_path / "nope")],
                          capture_output=True, text=True)
    assert done.returncode == 1 and "is not a folder" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("module", [marks, student, grade, __import__("hidden_cases")], ids=lambda m: m.__name__)
def test_the_examples_in_the_classroom_tools_docstrings_run(module):
    import doctest

    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0, result


def test_the_tools_say_what_is_wrong_instead_of_a_traceback(tmp_path: Path, capsys):
    assert marks.main([str(tmp_path / "nope.ipynb")]) == 1
    assert "no such notebook" in capsys.readouterr().err
    with pytest.raises(FileNotFoundError, match="no notebooks in"):
        student.build(tmp_path / "empty", tmp_path / "student")


def test_reading_time_counts_the_prose_outside_folded_blocks(tmp_path: Path):
    import time_notebooks

    nb = {"cells": [{"cell_type": "markdown", "source": ["word " * 240]},
                    {"cell_type": "markdown", "source": ["<details><summary>Deep</summary> " + "x " * 999 + "</details>"]},
                    {"cell_type": "code", "source": ["y = 1 " * 500], "outputs": []}]}
    (tmp_path / "01_x.ipynb").write_text(json.dumps(nb))
    assert time_notebooks.reading_minutes(tmp_path / "01_x.ipynb") == 240 / time_notebooks.WORDS_PER_MINUTE == 2


def test_timing_some_notebooks_picks_them_by_number_or_name_and_refuses_unknown_ones(tmp_path: Path):
    import time_notebooks

    copies = [tmp_path / f"{n}.ipynb" for n in ("05_mlp", "06_resnet18", "07_fast_training")]
    for c in copies:
        c.write_text("{}")
    assert time_notebooks.pick(tmp_path, []) == copies
    assert time_notebooks.pick(tmp_path, ["06"]) == [copies[1]]
    assert time_notebooks.pick(tmp_path, ["07_fast_training", "05"]) == [copies[2], copies[0]]
    with pytest.raises(SystemExit, match="'09' is not a notebook"):
        time_notebooks.pick(tmp_path, ["06", "09"])
    with pytest.raises(SystemExit, match="run `make student` first"):
        time_notebooks.pick(tmp_path / "empty", ["06"])
