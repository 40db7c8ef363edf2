"""Build the course website (`make site`): the committed notebooks, with their outputs, as static pages.

The tool is MkDocs with the Material theme and mkdocs-jupyter, told never to execute a notebook
(`execute: false`): each page shows the outputs saved in the notebook. This module only prepares
what MkDocs reads, in build/site-src/ (ignored by git), then runs `mkdocs build` into site/:

* the notebook list comes from `notebooks/[0-9][0-9]_*.ipynb`, sorted, read at build time, so a
  new, split or renumbered notebook needs no change here;
* each notebook is copied as it is, less its widget views: a widget needs a running kernel, so the
  page shows what the notebook itself shows where no widget can run (the output's text/plain
  sentence, or its picture);
* TEACHING.md, CONTRIBUTING.md and the README files of experiments/ or lab-notes/ become pages when
  they exist; their links to other files of the repository point at GitHub;
* the project's address is read from pyproject.toml (`[project.urls] Repository`) with the same
  functions that build the README's Colab badges (helpers/_course/repo.py), so a fork's
  `python -m helpers set-repo URL` moves the site's buttons too.

Nothing here needs the network, and nothing imports torch: helpers/_course/repo.py is loaded on its own.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
NOTEBOOK_GLOB = "[0-9][0-9]_*.ipynb"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
# Pages besides the notebooks, included only where they exist: (title, path in the repository).
GUIDES = [("Teacher's guide", "TEACHING.md")]
LAB_NOTE_FOLDERS = ["experiments", "lab-notes", "lab_notes"]
TRAILING = [("Contributing", "CONTRIBUTING.md")]
NUMBERS = dict(enumerate("Zero One Two Three Four Five Six Seven Eight Nine Ten Eleven Twelve".split()))


def _load_repo_module():
    """helpers/_course/repo.py alone: `import helpers._course.repo` would import the whole package (torch and all)."""
    spec = importlib.util.spec_from_file_location("_mnist_helpers_repo", ROOT / "helpers" / "_course" / "repo.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


repo = _load_repo_module()


def notebooks(root: Path = ROOT) -> list[Path]:
    """The course's notebooks, in order."""
    return sorted((root / "notebooks").glob(NOTEBOOK_GLOB))


def links(url: str, path: str, ref: str = "main") -> dict[str, str]:
    """The buttons of the page of `path` (a notebook's path in the repository), at `ref` (the release's tag).

    >>> links("https://github.com/me/mnist", "notebooks/01_pixels.ipynb", "v0.2.0")["colab"]
    'https://colab.research.google.com/github/me/mnist/blob/v0.2.0/notebooks/01_pixels.ipynb'
    >>> links("https://github.com/me/mnist", "notebooks/01_pixels.ipynb", "v0.2.0")["download"]
    'https://raw.githubusercontent.com/me/mnist/v0.2.0/notebooks/01_pixels.ipynb'
    """
    colab = repo.colab_link(url, path, ref)  # also refuses an address that is not GitHub's
    m = repo.GITHUB.match(url)
    return {
        "colab": colab,
        "download": f"https://raw.githubusercontent.com/{m['owner']}/{m['name']}/{ref}/{path}",
        "github": f"https://github.com/{m['owner']}/{m['name']}/blob/{ref}/{path}",
    }


def blob_url(url: str, path: str) -> str:
    """Where GitHub shows a file or folder of the repository."""
    m = repo.GITHUB.match(url)
    return f"https://github.com/{m['owner']}/{m['name']}/blob/main/{path}"


def first_heading(text: str) -> str | None:
    found = re.search(r"^# +(.+?)\s*#*\s*$", text, re.M)
    return found[1].strip() if found else None


def notebook_title(nb: Path) -> str:
    """The notebook's first level-1 heading, or its file name."""
    cells = json.loads(nb.read_text(encoding="utf-8"))["cells"]
    for cell in cells:
        if cell["cell_type"] == "markdown":
            title = first_heading("".join(cell["source"]))
            if title:
                return title
    return nb.stem


def markdown_title(path: Path, fallback: str) -> str:
    return first_heading(path.read_text(encoding="utf-8")) or fallback


def lab_notes(root: Path = ROOT) -> list[str]:
    """README files of the lab-notes folders, as paths in the repository, sorted (the folder's own first)."""
    found = []
    for folder in LAB_NOTE_FOLDERS:
        base = root / folder
        if base.is_dir():
            found += sorted((p.relative_to(root).as_posix() for p in base.rglob("README.md")),
                            key=lambda s: (s.count("/"), s))
    return found


def pages(root: Path = ROOT) -> list[tuple[str, str]]:
    """(section, path in the repository) of every page but the home page, in the site's order."""
    out = [("Notebooks", nb.relative_to(root).as_posix()) for nb in notebooks(root)]
    out += [("", p) for _, p in GUIDES if (root / p).is_file()]
    out += [("Lab notes", p) for p in lab_notes(root)]
    out += [("", p) for _, p in TRAILING if (root / p).is_file()]
    return out


def page_title(root: Path, path: str) -> str:
    fixed = dict((p, t) for t, p in GUIDES + TRAILING)
    if path.endswith(".ipynb"):
        return notebook_title(root / path)
    if path in fixed:
        return fixed[path]
    return markdown_title(root / path, Path(path).parent.as_posix())


def nav(root: Path = ROOT) -> list:
    """MkDocs' nav: Home, then each notebook in order, then the guides and lab notes that exist."""
    out: list = [{"Home": "index.md"}]
    sections: dict[str, list] = {}
    for section, path in pages(root):
        entry = {page_title(root, path): path}
        if section:
            if section not in sections:
                sections[section] = []
                out.append({section: sections[section]})
            sections[section].append(entry)
        else:
            out.append(entry)
    return out


def config(root: Path = ROOT, docs_dir: Path | None = None, site_dir: Path | None = None) -> dict:
    """The MkDocs configuration (mkdocs.yml, as a dict)."""
    url = repo.repo_url(root)
    repo.colab_link(url, "x")  # a clear error now if pyproject's address is not a GitHub one
    return {
        "site_name": "MNIST from scratch",
        "site_description": "A handwritten-digit classifier built step by step, in Jupyter notebooks.",
        "docs_dir": str(docs_dir or root / "build" / "site-src" / "docs"),
        "site_dir": str(site_dir or root / "site"),
        "use_directory_urls": True,
        "strict": True,
        "validation": {"omitted_files": "warn", "absolute_links": "warn", "unrecognized_links": "warn",
                       "anchors": "warn"},
        "nav": nav(root),
        "theme": {
            "name": "material",
            "font": False,  # no Google Fonts: the site loads nothing from outside
            "features": ["navigation.footer", "navigation.sections", "navigation.top", "search.highlight",
                         "search.suggest", "toc.follow"],
            "palette": {"primary": "indigo", "accent": "indigo"},
            "icon": {"logo": "material/numeric-7-box-outline"},
        },
        "plugins": [
            {"search": {"separator": r"[\s\-]+"}},
            {"mkdocs-jupyter": {
                "execute": False,  # never: the committed outputs are the page
                "include_source": False,
                "include_requirejs": False,  # require.js would come from a CDN
                "ignore_h1_titles": False,
                "toc_depth": 3,
                "cache": False,
            }},
        ],
        "markdown_extensions": ["tables", "attr_list", "md_in_html", "admonition", {"toc": {"permalink": True}}],
        "hooks": [str(HERE / "hooks.py")],
        "extra_css": ["assets/site.css"],
        "extra": {
            "repository": url,
            # the buttons of each notebook page, keyed by the notebook's path in the repository
            "notebook_links": {path: links(url, path, repo.release_tag(root)) for section, path in pages(root) if path.endswith(".ipynb")},
            "generator": False,
        },
    }


LINK = re.compile(r"(?P<pre>\]\()(?P<target>[^)\s]+)(?P<post>(?:\s+\"[^\"]*\")?\))"
                  r"|(?P<hpre>\bhref=\")(?P<htarget>[^\"]+)(?P<hpost>\")")


def rewrite_links(text: str, src: str, root: Path, url: str, in_site: set[str]) -> str:
    """Links of a page at `src` (a path in the repository) to repository files that are not pages: to GitHub.

    Links to pages of the site, to anchors and to other sites are left alone (MkDocs checks and
    resolves links between pages).
    """
    def fix(m: re.Match) -> str:
        target = m["target"] or m["htarget"]
        pre, post = (m["pre"], m["post"]) if m["target"] else (m["hpre"], m["hpost"])
        new = resolve(target, src, root, url, in_site)
        return f"{pre}{new if new is not None else target}{post}"
    return LINK.sub(fix, text)


def resolve(target: str, src: str, root: Path, url: str, in_site: set[str]) -> str | None:
    """A link's new target when it points at a repository file outside the site, else None."""
    if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I) or target.startswith(("#", "/")):
        return None
    path, _, fragment = target.partition("#")
    resolved = (Path(src).parent / path).as_posix()
    parts: list[str] = []
    for part in resolved.split("/"):
        if part == "..":
            if not parts:
                return None  # outside the repository
            parts.pop()
        elif part not in ("", "."):
            parts.append(part)
    resolved = "/".join(parts)
    if resolved in in_site or not (root / resolved).exists():
        return None
    return blob_url(url, resolved) + (f"#{fragment}" if fragment else "")


def static_notebook(nb: dict) -> dict:
    """The notebook as a page shows it: its widget views dropped, so each keeps the sentence or picture it saved."""
    nb = copy.deepcopy(nb)
    nb.get("metadata", {}).pop("widgets", None)
    for cell in nb["cells"]:
        kept = []
        for out in cell.get("outputs", []):
            data = out.get("data")
            if data and WIDGET_VIEW in data:
                del data[WIDGET_VIEW]
                if not data:
                    continue
            kept.append(out)
        if "outputs" in cell:
            cell["outputs"] = kept
    return nb


def home_page(root: Path = ROOT) -> str:
    """website/home.md with the notebook table and the project's address filled in."""
    url, tag = repo.repo_url(root), repo.release_tag(root)
    rows = ["| # | notebook | run it |", "|---|---|---|"]
    for k, nb in enumerate(notebooks(root), 1):
        path = nb.relative_to(root).as_posix()
        rows.append(f"| {k} | [{notebook_title(nb)}]({path}) | "
                    f"[Open in Colab]({links(url, path, tag)['colab']}){{ .colab-link }} |")
    guides = [f"[{t}]({p})" for t, p in GUIDES + TRAILING if (root / p).is_file()]
    guides += [f"[{page_title(root, p)}]({p})" for p in lab_notes(root)]
    text = (HERE / "home.md").read_text(encoding="utf-8")
    first = notebooks(root)[0].relative_to(root).as_posix() if notebooks(root) else ""
    fill = {
        "notebook_table": "\n".join(rows),
        "notebook_count": NUMBERS.get(len(notebooks(root)), str(len(notebooks(root)))),
        "repository": url,
        "repository_name": repo.GITHUB.match(url)["name"],
        "first_notebook": first,
        "first_colab": links(url, first, tag)["colab"] if first else url,
        "guides": ("Also on this site: " + ", ".join(guides) + ".") if guides else "",
    }
    for key, value in fill.items():
        text = text.replace("{{ " + key + " }}", value)
    return text


def prepare(root: Path = ROOT, src_dir: Path | None = None, site_dir: Path | None = None) -> Path:
    """Write build/site-src/ (docs/ and mkdocs.yml) from the repository; return mkdocs.yml's path."""
    src_dir = src_dir or root / "build" / "site-src"
    docs = src_dir / "docs"
    if src_dir.exists():
        shutil.rmtree(src_dir)
    (docs / "assets").mkdir(parents=True)
    cfg = config(root, docs_dir=docs, site_dir=site_dir)
    url = cfg["extra"]["repository"]
    in_site = {path for _, path in pages(root)}
    (docs / "index.md").write_text(home_page(root), encoding="utf-8")
    shutil.copy(HERE / "site.css", docs / "assets" / "site.css")
    for _, path in pages(root):
        dest = docs / path
        dest.parent.mkdir(parents=True, exist_ok=True)
        if path.endswith(".ipynb"):
            nb = json.loads((root / path).read_text(encoding="utf-8"))
            dest.write_text(json.dumps(static_notebook(nb), ensure_ascii=False, indent=1), encoding="utf-8")
        else:
            text = (root / path).read_text(encoding="utf-8")
            dest.write_text(rewrite_links(text, path, root, url, in_site), encoding="utf-8")
    mkdocs_yml = src_dir / "mkdocs.yml"
    mkdocs_yml.write_text(json.dumps(cfg, indent=1, ensure_ascii=False), encoding="utf-8")  # JSON is YAML
    return mkdocs_yml


def main(argv: list[str] | None = None) -> int:
    import argparse
    import time

    parser = argparse.ArgumentParser(prog="python -m website", description="Build the course website into site/.")
    parser.add_argument("--site-dir", type=Path, default=ROOT / "site", help="where the site goes (default: site/)")
    parser.add_argument("--prepare-only", action="store_true", help="write build/site-src/ and stop")
    args = parser.parse_args(argv)
    t0 = time.perf_counter()
    mkdocs_yml = prepare(ROOT, site_dir=args.site_dir.resolve())
    if args.prepare_only:
        print(f"prepared {mkdocs_yml}")
        return 0
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")  # Material's banner about a successor, on every build
    done = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict", "--clean", "-q", "-f", str(mkdocs_yml)],
                          cwd=ROOT, env=env)
    if done.returncode:
        return done.returncode
    n = len(list(args.site_dir.glob("**/index.html")))
    print(f"site: {n} pages in {args.site_dir} ({time.perf_counter() - t0:.0f} s)")
    return 0
