"""Mark the notebooks' cells for the classroom tools: which cells are solutions and answer keys
(cell tags, read by `make student`) and where slides start (`slideshow` metadata, read by
`make slides`, that is by `jupyter nbconvert --to slides`).

    python classroom/marks.py            # mark notebooks/*.ipynb in place (only metadata and cell splits)
    python classroom/marks.py --check    # exit 1 and list the notebooks that are not marked

The rules, applied to every cell:

- a folded `<details><summary>Solution ...` block gets the tag `solution`, a folded
  `<details><summary>Answer...` block (an answer key) the tag `answer-key`; a markdown cell that holds
  such a block among other text is first split in three (before, the block, after), so that removing
  the tagged cell removes the answer and nothing else. No output changes: markdown has none.
- slides: a markdown cell that opens with a heading starts a slide; a code cell with a figure is a
  fragment (it appears on a click); any other markdown cell starts a sub-slide (below, in reveal.js's
  second direction), with the code cells after it; solutions, answer keys, deep dives (`<details>` cells), the Colab
  install cell and the closing "Recording the results" section are skipped; everything else follows
  on the current slide.

tests/test_classroom.py fails when a notebook is not marked (`--check`).
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOLDED = re.compile(r"<details><summary>(Solution|Answer)[^<]*</summary>.*?</details>", re.S)
TAGS = {"Solution": "solution", "Answer": "answer-key"}
CLASSROOM_TAGS = set(TAGS.values())
HEADING = re.compile(r"#{1,3} ")


def _lines(text: str) -> list[str]:
    """A cell's source as nbformat stores it: lines that keep their newline."""
    return text.splitlines(keepends=True)


def _markdown(text: str, tags: list[str] | None = None) -> dict:
    return {"cell_type": "markdown", "metadata": {"tags": tags} if tags else {}, "source": _lines(text)}


def split_folded(cells: list[dict]) -> list[dict]:
    """Each folded solution or answer key in a markdown cell of its own, tagged; other cells as they are.

    >>> cells = [_markdown("Try it.\\n\\n<details><summary>Answer (click to open)</summary>\\n\\n42\\n</details>\\n\\nNext.")]
    >>> [(c["metadata"].get("tags"), "".join(c["source"])[:9]) for c in split_folded(cells)]
    [(None, 'Try it.'), (['answer-key'], '<details>'), (None, 'Next.')]
    """
    out = []
    for cell in cells:
        text = "".join(cell["source"])
        blocks = list(FOLDED.finditer(text)) if cell["cell_type"] == "markdown" else []
        if not blocks:
            out.append(cell)
            continue
        start, parts = 0, []
        for block in blocks:
            parts += [(text[start:block.start()], None), (block.group(0), TAGS[block.group(1)])]
            start = block.end()
        parts.append((text[start:], None))
        parts = [(part.strip("\n"), tag) for part, tag in parts if part.strip()]
        if len(parts) == 1:  # the cell is the block alone: keep the cell (its id), tag it
            tags = sorted(set(cell["metadata"].get("tags", [])) | {parts[0][1]})
            out.append({**cell, "metadata": {**cell["metadata"], "tags": tags}})
            continue
        out += [_markdown(part, [tag] if tag else None) for part, tag in parts]
    return out


def slide_type(cell: dict, index: int, in_recording: bool) -> str:
    """What `nbconvert --to slides` does with this cell: "slide", "subslide", "fragment", "skip" or "-"
    (follows on the current slide)."""
    text = "".join(cell["source"]).lstrip()
    tags = set(cell["metadata"].get("tags", []))
    if in_recording or tags & CLASSROOM_TAGS or text.startswith("<details"):
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
    """The notebook with its folded answers split out and tagged, and every cell's slide type set."""
    cells = split_folded(nb["cells"])
    in_recording = False
    for i, cell in enumerate(cells):
        text = "".join(cell["source"]).lstrip()
        if cell["cell_type"] == "markdown" and HEADING.match(text):
            in_recording = text.startswith("## Recording the results")
        if cell["cell_type"] == "markdown" and text.startswith("Next:"):
            in_recording = False  # the link to the next notebook closes the last slide
        cell["metadata"]["slideshow"] = {"slide_type": slide_type(cell, i, in_recording)}
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
