"""Mark the notebooks' cells for the classroom tools: which cells are solutions and answer keys
(cell tags, read by `make student`) and where slides start (`slideshow` metadata, read by
`make slides`, that is by `jupyter nbconvert --to slides`).

    python classroom/marks.py            # mark notebooks/*.ipynb in place (only metadata and cell splits)
    python classroom/marks.py --check    # exit 1 and list the notebooks that are not marked

The rules, applied to every cell:

- cells: a markdown cell is cut so that each heading starts a cell of its own and each folded block
  (`<details>...</details>`) is a cell of its own (the text is unchanged; markdown has no output). A folded
  `<details><summary>Solution ...` block gets the tag `solution`, a `<details><summary>Answer...` block
  (an answer key) the tag `answer-key`, so that removing the tagged cells removes the answers and
  nothing else.
- slides: a heading's cell starts a slide; any other markdown cell starts a sub-slide (below, in
  reveal.js's second direction), with the code cells after it; a code cell with a figure is a fragment
  (it appears on a click). Left out: solutions, answer keys, folded deep dives, sections headed
  "Deep dive (optional)" (up to the next heading of their level or above), the Colab install cell and the
  closing "Recording the results" section.

tests/test_classroom.py fails when a notebook is not marked (`--check`).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DETAILS = re.compile(r"<details><summary>.*?</details>", re.S)
TAGS = {"Solution": "solution", "Answer": "answer-key"}
CLASSROOM_TAGS = set(TAGS.values())
HEADING = re.compile(r"#{1,3} ")
SKIPPED_SECTIONS = ("Deep dive (optional)", "Recording the results")  # sections the slides leave out


def _lines(text: str) -> list[str]:
    """A cell's source as nbformat stores it: lines that keep their newline."""
    return text.splitlines(keepends=True)


def _markdown(text: str, tags: list[str] | None = None) -> dict:
    return {"cell_type": "markdown", "metadata": {"tags": tags} if tags else {}, "source": _lines(text)}


def _parts(text: str) -> list[tuple[str, str | None]]:
    """A markdown cell's text cut into (part, tag) pairs: each `<details>` block alone (tagged when it is a
    solution or an answer key), and the rest cut before each heading that is not at its start."""
    parts: list[tuple[str, str | None]] = []
    start = 0
    for block in DETAILS.finditer(text):
        parts += [(p, None) for p in _at_headings(text[start:block.start()])]
        kind = re.match(r"<details><summary>(Solution|Answer)", block.group(0))
        parts.append((block.group(0), TAGS[kind[1]] if kind else None))
        start = block.end()
    parts += [(p, None) for p in _at_headings(text[start:])]
    return [(part.strip("\n"), tag) for part, tag in parts if part.strip()]


def _at_headings(text: str) -> list[str]:
    """`text` cut before each heading line (outside ``` code fences)."""
    chunks, current, fenced = [], [], False
    for line in text.splitlines(keepends=True):
        if line.lstrip().startswith("```"):
            fenced = not fenced
        if HEADING.match(line) and not fenced and "".join(current).strip():
            chunks.append("".join(current))
            current = []
        current.append(line)
    return chunks + ["".join(current)]


def split_cells(cells: list[dict]) -> list[dict]:
    """Markdown cells split so that each heading starts a cell and each folded block (`<details>`) is a cell
    of its own, solutions and answer keys tagged; code cells as they are. A cell that needs no split keeps its id.

    >>> cells = [_markdown("Try it.\\n\\n<details><summary>Answer (click to open)</summary>\\n\\n42\\n</details>\\n\\n## Next")]
    >>> [(c["metadata"].get("tags"), "".join(c["source"])[:9]) for c in split_cells(cells)]
    [(None, 'Try it.'), (['answer-key'], '<details>'), (None, '## Next')]
    """
    out = []
    for cell in cells:
        if cell["cell_type"] != "markdown":
            out.append(cell)
            continue
        parts = _parts("".join(cell["source"]))
        if len(parts) == 1:  # nothing to split: keep the cell (its id), tag it if it is an answer
            tags = set(cell["metadata"].get("tags", [])) - CLASSROOM_TAGS | ({parts[0][1]} - {None})
            metadata = {**cell["metadata"], "tags": sorted(tags)} if tags else \
                {k: v for k, v in cell["metadata"].items() if k != "tags"}
            out.append({**cell, "metadata": metadata})
            continue
        out += [_markdown(part, [tag] if tag else None) for part, tag in parts]
    return out


def slide_type(cell: dict, index: int, skipped_section: bool) -> str:
    """What `nbconvert --to slides` does with this cell: "slide", "subslide", "fragment", "skip" or "-"
    (follows on the current slide)."""
    text = "".join(cell["source"]).lstrip()
    tags = set(cell["metadata"].get("tags", []))
    if skipped_section or tags & CLASSROOM_TAGS or text.startswith("<details"):
        return "skip"
    if cell["cell_type"] == "code":
        if index == 1 or "google.colab" in text:  # the Colab install cell
            return "skip"
        figure = any("image/png" in out.get("data", {}) for out in cell.get("outputs", []))
        return "fragment" if figure else "-"
    if HEADING.match(text):
        return "slide"
    return "subslide"  # each paragraph cell is the next step of the story: its words, then its code


def mark(nb: dict) -> dict:
    """The notebook with its cells split (headings, folded blocks), answers tagged, every slide type set."""
    cells = split_cells(nb["cells"])
    skipping, level = False, 0  # inside a section left out of the slides (a deep dive, the recording), and its level
    for i, cell in enumerate(cells):
        text = "".join(cell["source"]).lstrip()
        if cell["cell_type"] == "markdown" and HEADING.match(text):
            this = len(text) - len(text.lstrip("#"))
            if any(words in text.splitlines()[0] for words in SKIPPED_SECTIONS):
                skipping, level = True, this
            elif skipping and this <= level:
                skipping = False
        if cell["cell_type"] == "markdown" and text.startswith("Next:"):
            skipping = False  # the link to the next notebook closes the last slide
        cell["metadata"]["slideshow"] = {"slide_type": slide_type(cell, i, skipping)}
    return {**nb, "cells": cells}


def _text(nb: dict) -> str:
    return json.dumps(nb, indent=1, ensure_ascii=False) + "\n"


def _assign_ids(nb: dict) -> None:
    """New cells (from a split) get an id, as nbformat 4.5 wants; existing ids stay."""
    import nbformat

    for cell in nb["cells"]:
        if "id" not in cell:
            cell["id"] = nbformat.v4.new_markdown_cell().id


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if a notebook is not marked")
    parser.add_argument("notebooks", nargs="*", type=Path, help="default: notebooks/[0-9]*.ipynb")
    args = parser.parse_args(argv)
    paths = args.notebooks or sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
    missing = [str(p) for p in paths if not p.is_file()]
    if missing or not paths:
        print(f"marks: no such notebook: {', '.join(missing) or 'notebooks/ is empty'}. Name .ipynb files, or run it "
              "from a checkout of the course.", file=sys.stderr)
        return 1
    stale = []
    for path in paths:
        marked = mark(json.loads(path.read_text()))
        _assign_ids(marked)
        if _text(marked) != path.read_text():
            stale.append(path)
            if not args.check:
                tmp = path.with_suffix(".ipynb.tmp")
                tmp.write_text(_text(marked))
                tmp.replace(path)  # never half-written
    if args.check and stale:
        print("not marked: " + ", ".join(p.name for p in stale) + ". Run: python classroom/marks.py", file=sys.stderr)
        return 1
    print("\n".join(f"marked {p.name}" for p in stale) or "every notebook is marked")
    return 0


if __name__ == "__main__":
    sys.exit(main())
