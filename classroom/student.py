"""Student copies of the notebooks, in student/: the lesson without its solutions, answer keys or outputs.

    python classroom/student.py            # (make student) write student/*.ipynb from notebooks/
    python classroom/student.py --check    # exit 1 if student/ is out of date with notebooks/

Built with nbconvert's own preprocessors (the tool Jupyter ships for this): `TagRemovePreprocessor`
drops the cells tagged `solution` or `answer-key` (classroom/marks.py tags them), and
`ClearOutputPreprocessor` every output and execution count. What stays: the prose, the exercise stubs
(`...  # your code here`), the questions, the deep dives; under the questions comes a "Your answers" cell
to write in (classroom/grade.py says who wrote something there). An unfinished exercise still runs: its
`helpers.check` falls back to the course's own solution without showing it, so each copy runs top to
bottom. Links between notebooks stay relative, so student/01 leads to student/02.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import nbformat
from nbconvert.preprocessors import ClearOutputPreprocessor, TagRemovePreprocessor

sys.path.insert(0, str(Path(__file__).resolve().parent))
from marks import CLASSROOM_TAGS  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS, STUDENT = ROOT / "notebooks", ROOT / "student"
ANSWERS = ("### Your answers\n\n*Double-click this cell and write your answers, one per question; your teacher reads "
           "them here.*\n\n")
NOTICE = ("*Student copy: the solutions and answer keys are not in this notebook (your teacher has them); run each "
          "cell yourself to see its output.*")


def student_copy(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """The notebook without the tagged solutions and answer keys, without outputs, with a line saying so.

    >>> nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell("# 01 · Pixels"),
    ...     nbformat.v4.new_code_cell("1 + 1", outputs=[nbformat.v4.new_output("execute_result", {"text/plain": "2"})]),
    ...     nbformat.v4.new_markdown_cell("<details>...</details>", metadata={"tags": ["solution"]})])
    >>> [(c.cell_type, c.source[:8], c.get("outputs")) for c in student_copy(nb).cells]
    [('markdown', '# 01 · P', None), ('code', '1 + 1', [])]
    """
    resources: dict = {}
    nb = TagRemovePreprocessor(remove_cell_tags=CLASSROOM_TAGS).preprocess(nb, resources)[0]
    nb = ClearOutputPreprocessor().preprocess(nb, resources)[0]
    nb.metadata.pop("widgets", None)  # the saved state of widgets whose outputs are gone
    for i, cell in reversed(list(enumerate(nb.cells))):  # a place to answer, under the questions
        if cell.cell_type == "markdown" and cell.source.startswith("## Questions"):
            count = len(re.findall(r"^\d+\. ", cell.source, flags=re.M))
            answers = ANSWERS + "\n".join(f"{k}. " for k in range(1, count + 1))
            nb.cells.insert(i + 1, nbformat.v4.new_markdown_cell(answers, id=f"{cell.get('id', 'q')}-answers"[:64]))
    title = nb.cells[0]
    if title.cell_type == "markdown" and NOTICE not in title.source:
        heading, _, rest = title.source.partition("\n")
        title.source = f"{heading}\n\n{NOTICE}\n{rest}"
    return nb


def _text(nb: nbformat.NotebookNode) -> str:
    return nbformat.writes(nb, version=4) + "\n"


def build(notebooks: Path = NOTEBOOKS, student: Path = STUDENT, check: bool = False) -> list[Path]:
    """Write (or, with `check`, only compare) one student copy per notebook; the copies that changed."""
    stale = []
    sources = sorted(notebooks.glob("[0-9]*.ipynb"))
    if not sources:
        raise FileNotFoundError(f"no notebooks in {notebooks}: run this from a checkout of the course.")
    for source in sources:
        target = student / source.name
        text = _text(student_copy(nbformat.read(source, as_version=4)))
        if target.exists() and target.read_text() == text:
            continue
        stale.append(target)
        if not check:
            student.mkdir(exist_ok=True)
            tmp = target.with_suffix(".ipynb.tmp")
            tmp.write_text(text)
            tmp.replace(target)  # a student opening the old copy never sees half a file
    expected = {s.name for s in sources}
    stale += [p for p in sorted(student.glob("*.ipynb")) if p.name not in expected]  # a notebook renamed or removed
    if not check:
        for extra in stale:
            if extra.name not in expected:
                extra.unlink()
    return stale


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if student/ is out of date")
    args = parser.parse_args(argv)
    try:
        stale = build(check=args.check)
    except FileNotFoundError as e:
        print(f"student: {e}", file=sys.stderr)
        return 1
    if args.check and stale:
        names = ", ".join(p.name for p in stale)
        print(f"student/ is out of date with notebooks/ ({names}). Run: make student", file=sys.stderr)
        return 1
    print("\n".join(f"wrote student/{p.name}" for p in stale) or "student/ is up to date")
    return 0


if __name__ == "__main__":
    sys.exit(main())
