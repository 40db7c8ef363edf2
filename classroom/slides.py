"""Slides for presenting each notebook: reveal.js decks in slides/, one per notebook.

    python classroom/slides.py        (make slides)    then open slides/01_pixels.slides.html

Made by `jupyter nbconvert --to slides` (its Python API, `SlidesExporter`, with the template in
classroom/templates/course_slides/, nbconvert's own with its closing script fixed) from the `slideshow`
metadata that classroom/marks.py sets on the notebooks' cells: each heading starts a slide, figures
come in on a click (fragments), solutions, answer keys, deep dives, the Colab install cell and the
closing recording cell are left out. The decks show the committed outputs; nothing is executed.

Offline: reveal.js 4.0.2 (the version nbconvert's template is written for) and require.js come from
npm into slides/_vendor/ when npm is there, and the decks load them from there; without npm they
load them from unpkg.com (a deck then needs the internet). Math is drawn as MathML, as on the
course website (website/hooks.py), so no MathJax is fetched.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
from nbconvert import SlidesExporter

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from website.hooks import MATHJAX, strip_cdn_scripts  # noqa: E402  (importing it also turns math into MathML)

SLIDES = ROOT / "slides"
VENDOR = SLIDES / "_vendor"
TEMPLATES = Path(__file__).resolve().parent / "templates"  # course_slides: nbconvert's reveal, its script fixed
NPM_PACKAGES = ["reveal.js@4.0.2", "requirejs@2.3.8"]
REVEAL_CDN, REQUIRE_CDN = "https://unpkg.com/reveal.js@4.0.2", "https://unpkg.com/requirejs@2.3.8/require.js"


def vendor() -> tuple[str, str]:
    """Where the decks load reveal.js and require.js from: slides/_vendor/ (via npm), else a CDN."""
    reveal = VENDOR / "node_modules" / "reveal.js"
    if not reveal.is_dir() and shutil.which("npm"):
        VENDOR.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(VENDOR), *NPM_PACKAGES],
                       check=True)
    if reveal.is_dir():
        return "_vendor/node_modules/reveal.js", "_vendor/node_modules/requirejs/require.js"
    print("npm not found: the decks will load reveal.js from unpkg.com (they need the internet)", file=sys.stderr)
    return REVEAL_CDN, REQUIRE_CDN


def deck(notebook: Path, reveal: str, require: str) -> str:
    """One notebook as a reveal.js deck (HTML text), with its committed outputs."""
    exporter = SlidesExporter(reveal_url_prefix=reveal, require_js_url=require, reveal_theme="white",
                              reveal_transition="none", reveal_width="1280", reveal_height="800", reveal_number="c/t",
                              template_name="course_slides", extra_template_basedirs=[str(TEMPLATES)])
    nb = nbformat.read(notebook, as_version=4)
    title = nb.cells[0].source.splitlines()[0].lstrip("# ") if nb.cells else notebook.stem
    body, _ = exporter.from_notebook_node(nb, resources={"metadata": {"name": title}})
    if reveal.startswith("https://"):  # online decks: only MathJax goes (math is MathML already)
        return MATHJAX.sub("", body)
    return strip_cdn_scripts(body)  # offline decks ask no other host for anything


def main() -> int:
    notebooks = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
    reveal, require = vendor()
    SLIDES.mkdir(exist_ok=True)
    for notebook in notebooks:
        target = SLIDES / f"{notebook.stem}.slides.html"
        tmp = target.with_suffix(".tmp")
        tmp.write_text(deck(notebook, reveal, require))
        tmp.replace(target)
        print(f"wrote {target.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
