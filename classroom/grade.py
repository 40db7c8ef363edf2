"""Grade a folder of returned student notebooks: one CSV row per student and exercise.

    python classroom/grade.py RETURNED/ [--seed 1234] [--out grades.csv]     (make grade DIR=RETURNED/)

For each notebook under RETURNED/ (in sub-folders too: the student's name is the sub-folder's, else
the file's name less the notebook's number and name: `ada_03.ipynb` is ada's), its exercise cells,
the code cells that end with `helpers.check("name", ...)`, run in order in one namespace that holds
the notebooks' imports (torch, nn, F, tensor, numpy, device), without the rest of the notebook (no
training). Each one's code is tried by the same checks and hints as the self-check
(helpers/exercises.py), then on hidden cases drawn from `--seed` (classroom/hidden_cases.py). As in
the notebook, a later exercise sees an earlier one's code when it passed, the course's own until then
(05's `two_layers` may call `relu`). An exercise passes when every visible and hidden case passes.

Columns: student, notebook, exercise, passed (yes/no), status (passed, failed, not attempted,
missing, error, unreadable, timed out), visible and hidden (checks passed of checks made),
hint_shown (the hint the self-check gives this code for its first FAIL: the same checks, run again),
problem (what went wrong). A last row per notebook, exercise "questions", says whether the student
wrote anything under "Your answers" (the student copies have that cell after the questions; read
the answers in the notebook). A second file, NAME-summary.csv, counts each student's passes.

A notebook that is not valid JSON or not a notebook gets one row saying so; an exercise whose code
runs for more than a minute is reported timed out, and the exercises after it in that notebook are
not graded; the run goes on. Returned notebooks are only read, never changed. The student's code runs
on this machine, as with any autograder: grade on a machine (or container) you are happy to run it on.

Why not otter-grader or nbgrader: both would need each exercise's checks written again in their
own test format (two copies of every check and hint), nbgrader needs JupyterHub, and neither knows
the course's known-mistake hints. This grader reuses the self-check's runner as it is.
"""

from __future__ import annotations

import argparse
import ast
import csv
import json
import re
import subprocess
import sys
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(Path(__file__).resolve().parent))  # hidden_cases.py and student.py, beside this file
import student  # noqa: E402
COLUMNS = ["student", "notebook", "exercise", "passed", "status", "visible", "hidden", "hint_shown", "problem"]
CHECK = re.compile(r"""helpers\.check\(\s*["'](\w+)["']""")
ANSWERS_HEADING = student.ANSWERS  # the start of the cell the student copies add after the questions
ANSWERS_TITLE = ANSWERS_HEADING.splitlines()[0]  # "### Your answers": the instruction under it may be deleted
PRELUDE = ("import torch\nimport numpy as np\nfrom torch import nn, tensor\nimport torch.nn.functional as F\n"
           "device = torch.device('cpu')\n")
TIMEOUT_S = 60
MARK = "@@grade "  # starts each line the child process reports on (a student's own prints go around them)


def exercises_in(nb: dict) -> dict[str, str]:
    """{exercise name: the source of its cell} for each code cell calling `helpers.check`."""
    found = {}
    for cell in [c for c in nb.get("cells", []) if isinstance(c, dict)]:
        source = "".join(cell.get("source", ""))
        if cell.get("cell_type") == "code" and (m := CHECK.search(source)):
            found[m[1]] = source
    return found


def course_notebook(name: str) -> Path | None:
    """The course notebook with the same number as `name` ("alice_03.ipynb": 03_sgd_from_scratch.ipynb), or None."""
    number = re.search(r"(?<!\d)(0[1-9])(?!\d)", name)
    found = sorted((ROOT / "notebooks").glob(f"{number[1]}_*.ipynb")) if number else []
    return found[0] if found else None


def expected_exercises(name: str) -> list[str]:
    """The exercises of the course notebook with the same number as `name` (e.g. "alice_03.ipynb": 03's)."""
    course = course_notebook(name)
    return list(exercises_in(json.loads(course.read_text()))) if course else []


def _code(source: str) -> str:
    """A cell's Python: its IPython lines (`%pip ...`, `!ls`) left out."""
    return "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))


def is_stub(source: str, name: str) -> bool:
    """Is the `def name` (or `class name`) of this cell still the course's `...` placeholder?

    >>> is_stub("def relu(x):\\n    ...  # your code here", "relu"), is_stub("def relu(x):\\n    return x  # your code here", "relu")
    (True, False)
    """
    try:
        tree = ast.parse(_code(source))
    except SyntaxError:
        return False  # written, if wrongly: the grader reports the error
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name == name:
            return all(isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant) and
                       (n.value.value is Ellipsis or isinstance(n.value.value, str)) for n in node.body)
    return False


def _run_cell(source: str, namespace: dict) -> tuple[object, str | None]:
    """Run an exercise cell in `namespace`; what it passed to `helpers.check`, or an error in words.
    `helpers.check` becomes `_handed_in`, which keeps what the cell hands in and gives it back."""
    handed: list = []
    code = _code(source).replace("helpers.check(", "_handed_in(")
    namespace["_handed_in"] = lambda name, obj: handed.append(obj) or obj
    try:
        exec(compile(code, "<exercise cell>", "exec"), namespace)
    except Exception as error:  # the student's cell itself fails: a SyntaxError, a name from another cell...
        line = f" (line {error.lineno})" if isinstance(error, SyntaxError) else ""
        return None, f"the cell raised {type(error).__name__}{line}: {str(error).splitlines()[0] if str(error) else ''}"
    if not handed:
        return None, "the cell no longer calls helpers.check"
    return handed[-1], None


def answered(nb: dict) -> bool | None:
    """Did the student write under "Your answers"? None when the notebook has no such cell."""
    for cell in [c for c in nb.get("cells", []) if isinstance(c, dict)]:
        text = "".join(cell.get("source", ""))
        if cell.get("cell_type") == "markdown" and text.lstrip().startswith(ANSWERS_TITLE):
            written = text.lstrip().removeprefix(ANSWERS_TITLE).replace(ANSWERS_HEADING.removeprefix(ANSWERS_TITLE), "")
            return any(re.sub(r"^\s*\d+\.\s*", "", line).strip() for line in written.splitlines())
    return None


def grade_notebook(path: Path, seed: int, emit=print) -> None:
    """Grade one returned notebook, emitting each row as a line of JSON as soon as it is known, after a
    {"running": name} line for each exercise (so `grade` can tell which one never finished)."""
    from helpers.exercises import EXERCISES

    try:
        nb = json.loads(path.read_bytes())
        if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
            raise ValueError("no list of cells: not a Jupyter notebook")
    except (ValueError, UnicodeDecodeError) as error:
        emit(json.dumps({"status": "unreadable", "passed": "no", "problem": f"not a notebook ({error})"[:300]}))
        return
    found = exercises_in(nb)
    namespace: dict = {}
    exec(PRELUDE, namespace)
    names = list(dict.fromkeys(expected_exercises(path.name) + list(found)))
    for name in names:
        emit(json.dumps({"running": name}))
        row = _grade_exercise(name, found, namespace, seed)
        if row["passed"] != "yes" and name in EXERCISES:  # as helpers.check does: later cells get the course's own
            namespace[name] = EXERCISES[name].solution
        emit(json.dumps(row))
    if not names and course_notebook(path.name) is None:  # a course notebook without exercises (08): questions only
        emit(json.dumps({"status": "error", "passed": "no", "problem": "no exercise cell found"}))
    wrote = answered(nb)
    if wrote is not None:
        emit(json.dumps({"exercise": "questions", "passed": "", "status": "answered" if wrote else "not answered"}))


def _grade_exercise(name: str, found: dict[str, str], namespace: dict, seed: int) -> dict:
    """One exercise's row: its cell run in `namespace`, then the visible and the hidden cases."""
    from hidden_cases import HIDDEN

    from helpers._course.exercises_runner import not_callable, try_cases
    from helpers.exercises import EXERCISES

    row = {"exercise": name, "passed": "no"}
    if name not in EXERCISES:
        return {**row, "status": "error", "problem": f"{name!r} is not an exercise of this course"}
    if name not in found:
        return {**row, "status": "missing", "problem": "no cell calls helpers.check for it (deleted?)"}
    if is_stub(found[name], name):
        return {**row, "status": "not attempted", "problem": "its body is still the `...` placeholder"}
    obj, error = _run_cell(found[name], namespace)
    if error:
        return {**row, "status": "error", "problem": error}
    exercise = EXERCISES[name]
    wrong = not_callable(exercise, name, obj)
    visible = [wrong] if wrong else try_cases(exercise, obj, exercise.cases())
    hidden = [wrong] if wrong else try_cases(exercise, obj, HIDDEN[name](seed))
    fails = [r for r in visible + hidden if r.problem]
    first_seen = next((r for r in visible if r.problem), None)
    return {**row, "passed": "no" if fails else "yes", "status": "failed" if fails else "passed",
            "visible": f"{sum(not r.problem for r in visible)}/{len(visible)}",
            "hidden": f"{sum(not r.problem for r in hidden)}/{len(hidden)}",
            "hint_shown": first_seen.hint if first_seen else "",
            "problem": f"{fails[0].what}: {fails[0].problem}" if fails else ""}


def student_of(path: Path, folder: Path) -> str:
    """The sub-folder's name (returned/ada/03_sgd.ipynb: ada), else the file's less the notebook's
    number and name (returned/ada_03.ipynb and returned/ada-03_sgd_from_scratch.ipynb: ada).

    >>> student_of(Path("r/ada_03.ipynb"), Path("r")), student_of(Path("r/ben/Copy of 05_mlp.ipynb"), Path("r"))
    ('ada', 'ben')
    >>> student_of(Path("r/Copy of 03_sgd_from_scratch (1).ipynb"), Path("r"))  # no name in it: the file's
    'Copy of 03_sgd_from_scratch (1)'
    """
    relative = path.relative_to(folder)
    if len(relative.parts) > 1:
        return relative.parts[0]
    stem = re.sub(r"^Copy of |\s*\(\d+\)$", "", path.stem)  # Colab's "Copy of ...", a browser's "(1)"
    name = re.sub(r"[\s_-]*(?<!\d)0[1-9](?:_[A-Za-z0-9_]+)?(?!\d)[\s_-]*", " ", stem).strip(" _-")
    return name or path.stem


def grade(folder: Path, seed: int) -> list[dict]:
    """Every returned notebook under `folder`, each in a child process with a time limit."""
    rows = []
    for path in sorted(folder.rglob("*.ipynb")):
        if ".ipynb_checkpoints" in path.parts:
            continue
        base = {"student": student_of(path, folder), "notebook": str(path.relative_to(folder))}
        rows += [{**dict.fromkeys(COLUMNS, ""), **base, **row} for row in _graded(path, seed)]
    return rows


def _graded(path: Path, seed: int) -> list[dict]:
    """Run `--one` on `path` in a child process, an exercise at a time with TIMEOUT_S each; its rows."""
    child = subprocess.Popen([sys.executable, __file__, "--one", str(path), "--seed", str(seed)], cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    rows: list[dict] = []
    running = None
    timer = threading.Timer(TIMEOUT_S * 3, child.kill)  # starting Python and torch: up to two limits more
    timer.start()
    try:
        for line in child.stdout:
            message = json.loads(line[len(MARK):]) if line.startswith(MARK) else {}
            if "running" in message:
                running = message["running"]
                timer.cancel()
                timer = threading.Timer(TIMEOUT_S, child.kill)
                timer.start()
            elif message:
                rows.append(message)
                running = None
        child.wait()
    finally:
        timer.cancel()
    if running is not None:
        rows.append({"exercise": running, "status": "timed out", "passed": "no",
                     "problem": f"its cell ran for more than {TIMEOUT_S} s (an endless loop?); the exercises after "
                                "it in this notebook were not graded"})
    elif child.returncode != 0:
        rows.append({"status": "error", "passed": "no",
                     "problem": (child.stderr.read().strip().splitlines() or ["?"])[-1][:300]})
    return rows


def summary(rows: list[dict]) -> list[dict]:
    """Per student: exercises passed of those graded, and which ones failed."""
    out: dict[str, dict] = {}
    for row in rows:
        if row["exercise"] in ("", "questions"):
            continue
        s = out.setdefault(row["student"], {"student": row["student"], "passed": 0, "exercises": 0, "not passed": []})
        s["exercises"] += 1
        if row["passed"] == "yes":
            s["passed"] += 1
        else:
            s["not passed"].append(f"{row['exercise']} ({row['status']})")
    return [{**s, "not passed": "; ".join(s["not passed"])} for s in out.values()]


def _write_csv(path: Path, rows: list[dict], columns: list[str]) -> None:
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=columns)
        writer.writeheader()
        writer.writerows(rows)
    tmp.replace(path)  # never half-written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="the folder of returned notebooks")
    parser.add_argument("--seed", type=int, default=0, help="draws the hidden cases: pick your own (default 0)")
    parser.add_argument("--out", type=Path, default=Path("grades.csv"), help="the CSV to write (default grades.csv)")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)  # one notebook, rows as JSON
    args = parser.parse_args(argv)
    if args.one:
        grade_notebook(args.folder, args.seed, emit=lambda line: print(MARK + line, flush=True))
        return 0
    if not args.folder.is_dir():
        print(f"grade: {args.folder} is not a folder. Give the folder that holds the returned notebooks.",
              file=sys.stderr)
        return 1
    rows = grade(args.folder.resolve(), args.seed)
    if not rows:
        print(f"grade: no .ipynb file under {args.folder}: nothing to grade.", file=sys.stderr)
        return 1
    _write_csv(args.out, rows, COLUMNS)
    per_student = summary(rows)
    summary_path = args.out.with_name(args.out.stem + "-summary.csv")
    _write_csv(summary_path, per_student, ["student", "passed", "exercises", "not passed"])
    passed = sum(r["passed"] == "yes" for r in rows)
    print(f"wrote {args.out}: {len(rows)} rows, {passed} exercises passed, {len({r['student'] for r in rows})} "
          f"students; {summary_path}: passes per student")
    return 0


if __name__ == "__main__":
    sys.exit(main())
