"""Grade a folder of returned student notebooks: one CSV row per student and exercise.

    python classroom/grade.py RETURNED/ [--seed 1234] [--out grades.csv]     (make grade DIR=RETURNED/)

For each notebook under RETURNED/ (in sub-folders too: the student's name is the sub-folder's,
else the file's name), each exercise cell, the code cell that ends with `helpers.check("name", ...)`,
is run alone, with the imports the notebooks use, and its code tried by the same checks and hints
as the self-check (helpers/exercises.py), then on hidden cases drawn from `--seed`
(classroom/hidden_cases.py). A student passes an exercise when every visible and hidden case passes.

Columns: student, notebook, exercise, passed (yes/no), status (passed, failed, not attempted,
missing, error, unreadable, timed out), visible and hidden (checks passed of checks made),
hint_shown (the hint the self-check showed the student for the first FAIL), problem (what went wrong).

A notebook that is not valid JSON, not a notebook, or whose code never finishes (60 s) gets one row
saying so; the run goes on. Returned notebooks are only read, never changed. The student's code runs
on this machine, as with any autograder: grade on a machine (or container) you are happy to run it on.

Why not otter-grader or nbgrader: both would need each exercise's checks written again in their
own test format (two copies of every check and hint), nbgrader needs JupyterHub, and neither knows
the course's known-mistake hints. This grader reuses the self-check's runner as it is.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COLUMNS = ["student", "notebook", "exercise", "passed", "status", "visible", "hidden", "hint_shown", "problem"]
CHECK = re.compile(r"""helpers\.check\(\s*["'](\w+)["']""")
STUB = "# your code here"
PRELUDE = ("import torch\nimport numpy as np\nfrom torch import nn, tensor\nimport torch.nn.functional as F\n"
           "device = torch.device('cpu')\n")
TIMEOUT_S = 60


def exercises_in(nb: dict) -> dict[str, str]:
    """{exercise name: the source of its cell} for each code cell calling `helpers.check`."""
    found = {}
    for cell in nb.get("cells", []):
        source = "".join(cell.get("source", "")) if isinstance(cell, dict) else ""
        if cell.get("cell_type") == "code" and (m := CHECK.search(source)):
            found[m[1]] = source
    return found


def expected_exercises(name: str) -> list[str]:
    """The exercises of the course notebook with the same number as `name` (e.g. "alice_03.ipynb": 03's)."""
    number = re.search(r"(?<!\d)(0[1-9])(?!\d)", name)
    for course in sorted((ROOT / "notebooks").glob(f"{number[1]}_*.ipynb")) if number else []:
        return list(exercises_in(json.loads(course.read_text())))
    return []


def _run_cell(source: str) -> tuple[object, str | None]:
    """Run an exercise cell alone; what it passed to `helpers.check`, or an error in words."""
    handed: list = []
    code = "\n".join(line for line in source.splitlines() if not line.lstrip().startswith(("%", "!")))
    code = code.replace("helpers.check(", "_handed_in(")
    namespace: dict = {"_handed_in": lambda name, obj: handed.append(obj) or obj}
    try:
        exec(PRELUDE, namespace)
        exec(compile(code, "<exercise cell>", "exec"), namespace)
    except Exception as error:  # the student's cell itself fails: a SyntaxError, a name from another cell...
        line = f" (line {error.lineno})" if isinstance(error, SyntaxError) else ""
        return None, f"the cell raised {type(error).__name__}{line}: {str(error).splitlines()[0] if str(error) else ''}"
    if not handed:
        return None, "the cell no longer calls helpers.check"
    return handed[-1], None


def grade_notebook(path: Path, seed: int) -> list[dict]:
    """The rows of one returned notebook (run in a child process by `grade`, for the timeout)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from hidden_cases import HIDDEN

    from helpers._course.exercises_runner import not_callable, try_cases
    from helpers.exercises import EXERCISES

    try:
        nb = json.loads(path.read_bytes())
        if not isinstance(nb, dict) or not isinstance(nb.get("cells"), list):
            raise ValueError("no list of cells: not a Jupyter notebook")
    except (ValueError, UnicodeDecodeError) as error:
        return [{"status": "unreadable", "passed": "no", "problem": f"not a notebook ({error})"[:300]}]
    found = exercises_in(nb)
    rows = []
    for name in dict.fromkeys(expected_exercises(path.name) + list(found)):
        row = {"exercise": name, "passed": "no"}
        rows.append(row)
        if name not in EXERCISES:
            row.update(status="error", problem=f"{name!r} is not an exercise of this course")
            continue
        if name not in found:
            row.update(status="missing", problem="no cell calls helpers.check for it (deleted?)")
            continue
        if STUB in found[name]:
            row.update(status="not attempted", problem="the `...  # your code here` placeholder is still there")
            continue
        obj, error = _run_cell(found[name])
        if error:
            row.update(status="error", problem=error)
            continue
        exercise = EXERCISES[name]
        wrong = not_callable(exercise, name, obj)
        visible = [wrong] if wrong else try_cases(exercise, obj, exercise.cases())
        hidden = [wrong] if wrong else try_cases(exercise, obj, HIDDEN[name](seed))
        fails = [r for r in visible + hidden if r.problem]
        first_seen = next((r for r in visible if r.problem), None)
        row.update(passed="no" if fails else "yes", status="failed" if fails else "passed",
                   visible=f"{sum(not r.problem for r in visible)}/{len(visible)}",
                   hidden=f"{sum(not r.problem for r in hidden)}/{len(hidden)}",
                   hint_shown=first_seen.hint if first_seen else "",
                   problem=f"{fails[0].what}: {fails[0].problem}" if fails else "")
    return rows or [{"status": "error", "passed": "no", "problem": "no exercise cell found"}]


def student_of(path: Path, folder: Path) -> str:
    """The sub-folder's name (returned/alice/03.ipynb: alice), else the file's (returned/alice.ipynb)."""
    relative = path.relative_to(folder)
    return relative.parts[0] if len(relative.parts) > 1 else path.stem


def grade(folder: Path, seed: int) -> list[dict]:
    """Every returned notebook under `folder`, each in a child process with a time limit."""
    rows = []
    for path in sorted(folder.rglob("*.ipynb")):
        if ".ipynb_checkpoints" in path.parts:
            continue
        base = {"student": student_of(path, folder), "notebook": str(path.relative_to(folder))}
        try:
            done = subprocess.run([sys.executable, __file__, "--one", str(path), "--seed", str(seed)],
                                  capture_output=True, text=True, timeout=TIMEOUT_S, cwd=ROOT)
            found = json.loads(done.stdout.strip().splitlines()[-1]) if done.returncode == 0 else None
        except subprocess.TimeoutExpired:
            found = [{"status": "timed out", "passed": "no",
                      "problem": f"its exercise cells ran for more than {TIMEOUT_S} s (an endless loop?)"}]
        if found is None:
            found = [{"status": "error", "passed": "no", "problem": (done.stderr.strip().splitlines() or ["?"])[-1]}]
        rows += [{**dict.fromkeys(COLUMNS, ""), **base, **row} for row in found]
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="the folder of returned notebooks")
    parser.add_argument("--seed", type=int, default=0, help="draws the hidden cases: pick your own (default 0)")
    parser.add_argument("--out", type=Path, default=Path("grades.csv"), help="the CSV to write (default grades.csv)")
    parser.add_argument("--one", action="store_true", help=argparse.SUPPRESS)  # one notebook, rows as JSON
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(grade_notebook(args.folder, args.seed)))
        return 0
    if not args.folder.is_dir():
        print(f"grade: {args.folder} is not a folder. Give the folder that holds the returned notebooks.",
              file=sys.stderr)
        return 1
    rows = grade(args.folder.resolve(), args.seed)
    if not rows:
        print(f"grade: no .ipynb file under {args.folder}: nothing to grade.", file=sys.stderr)
        return 1
    tmp = args.out.with_name(args.out.name + ".tmp")
    with tmp.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)
    tmp.replace(args.out)
    passed = sum(r["passed"] == "yes" for r in rows)
    print(f"wrote {args.out}: {len(rows)} rows, {passed} exercises passed, "
          f"{len({r['student'] for r in rows})} students")
    return 0


if __name__ == "__main__":
    sys.exit(main())
