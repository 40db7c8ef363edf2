"""How long each notebook takes in class: reading time, and run time in full and quick mode.

    .venv/bin/python classroom/time_notebooks.py       (about 20 minutes on a 2-core CPU)
    .venv/bin/python classroom/time_notebooks.py 06    (only the notebooks named, by number or name)

Runs the student copies (what a class runs), each in a fresh kernel, in a temporary folder (nothing
in the checkout is written), first in quick mode (MNIST_QUICK=1), then in full mode, one notebook at
a time, and prints a Markdown table for TEACHING.md. Reading time: the words outside folded
<details>, at 120 words a minute (careful reading of technical prose, code cells not counted).
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import sys
import tempfile
from pathlib import Path

from helpers._course.runner import find_notebook, machine_name, run_notebook

ROOT = Path(__file__).resolve().parents[1]
WORDS_PER_MINUTE = 120
FOLDED = re.compile(r"<details>.*?</details>", re.S)


def reading_minutes(notebook: Path) -> float:
    cells = json.loads(notebook.read_text())["cells"]
    prose = " ".join(FOLDED.sub("", "".join(c["source"])) for c in cells if c["cell_type"] == "markdown")
    return len(prose.split()) / WORDS_PER_MINUTE


def pick(folder: Path, names: list[str]) -> list[Path]:
    """The student copies in `folder` named by number ("06") or name ("06_resnet18"), as `helpers run` takes
    them; all of them when no name is given."""
    copies = sorted(folder.glob("[0-9]*.ipynb"))
    if not copies:
        raise SystemExit(f"no student copies in {folder}: run `make student` first")
    try:
        return [find_notebook(n, folder) for n in names] or copies
    except ValueError as e:
        raise SystemExit(str(e)) from None


def main(argv: list[str] | None = None) -> int:
    copies = pick(ROOT / "student", sys.argv[1:] if argv is None else argv)
    times: dict[str, dict[str, float]] = {c.name: {} for c in copies}
    for mode, quick in (("quick", "1"), ("full", "0")):
        os.environ["MNIST_QUICK"] = quick  # the kernels inherit it
        with tempfile.TemporaryDirectory() as tmp:
            for copy in copies:
                target = Path(shutil.copy(copy, tmp))
                times[copy.name][mode] = run_notebook(target, save=False)
                print(f"{mode:5} {copy.name}: {times[copy.name][mode]:.0f} s", file=sys.stderr, flush=True)
    print(f"Measured on {machine_name()} ({platform.processor() or platform.machine()}), "
          f"Python {platform.python_version()}.\n")
    print("| notebook | reading | run, full mode | run, quick mode |\n|---|---|---|---|")
    for copy in copies:
        t = times[copy.name]
        print(f"| {copy.stem} | {reading_minutes(copy):.0f} min | {t['full'] / 60:.1f} min | {t['quick'] / 60:.1f} min |")
    if len(copies) == len(list((ROOT / "student").glob("[0-9]*.ipynb"))):
        total = {m: sum(t[m] for t in times.values()) / 60 for m in ("full", "quick")}
        print(f"| total | {sum(reading_minutes(c) for c in copies):.0f} min | {total['full']:.1f} min | {total['quick']:.1f} min |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
