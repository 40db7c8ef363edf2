"""The project's one address: where Colab installs `helpers` from and opens the notebooks.

It lives in `pyproject.toml` (`[project.urls] Repository`). Every notebook's first cell
installs the package from it on Colab, and the README's "Open in Colab" links are built
from it. A fork points all of them at itself with one command:

    python -m helpers set-repo https://github.com/you/your-fork

>>> colab_link("https://github.com/me/mnist", "notebooks/01_pixels.ipynb")
'https://colab.research.google.com/github/me/mnist/blob/main/notebooks/01_pixels.ipynb'
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]   # the repository: helpers/_course/repo.py
URL_LINE = re.compile(r'^Repository = "([^"]*)"$', re.M)
INSTALL = re.compile(r"git\+(?P<url>[^\s\"'\\]+)")
GITHUB = re.compile(r"^https://github\.com/(?P<owner>[\w.-]+)/(?P<name>[\w.-]+?)(?:\.git)?/?$")
BADGE = re.compile(r"\(https://colab\.research\.google\.com/github/[^)]*?/blob/main/(?P<path>(?:notebooks|student)/[^)]+)\)")


def repo_url(root: Path = ROOT) -> str:
    """The address in pyproject.toml's `[project.urls] Repository`."""
    found = URL_LINE.search((root / "pyproject.toml").read_text())
    if not found:
        raise ValueError(f"{root / 'pyproject.toml'} has no `Repository = \"...\"` line under [project.urls].")
    return found[1]


def colab_link(url: str, notebook: str) -> str:
    """The address that opens `notebook` (a path in the repository) from GitHub in Colab."""
    m = GITHUB.match(url)
    if not m:
        raise ValueError(f"{url!r} is not a GitHub repository address (https://github.com/OWNER/NAME): "
                         "Colab opens notebooks from GitHub only.")
    return f"https://colab.research.google.com/github/{m['owner']}/{m['name']}/blob/main/{notebook}"


def install_urls(notebook: Path) -> list[str]:
    """The addresses a notebook's install cell (its first code cell) installs from."""
    import json

    cells = [c for c in json.loads(notebook.read_text())["cells"] if c["cell_type"] == "code"]
    return INSTALL.findall("".join(cells[0]["source"])) if cells else []


def set_repo(url: str, root: Path = ROOT) -> list[Path]:
    """Point pyproject.toml, every notebook's install cell and the README's Colab links at `url`.

    Checks everything before writing anything; returns the files it changed.
    """
    colab_link(url, "x")  # a GitHub address, or a clear error before anything is written
    url = url.rstrip("/").removesuffix(".git")
    pyproject = root / "pyproject.toml"
    # the notebooks and their student copies (classroom/student.py), which keep the install cell
    notebooks = sorted((root / "notebooks").glob("[0-9]*.ipynb")) + sorted((root / "student").glob("[0-9]*.ipynb"))
    missing = [nb.name for nb in notebooks if not install_urls(nb)]
    if missing:
        raise ValueError(f"no `git+...` install line in the first code cell of {', '.join(missing)}.")
    new = {pyproject: URL_LINE.sub(f'Repository = "{url}"', pyproject.read_text())}
    for nb in notebooks:
        new[nb] = INSTALL.sub(f"git+{url}", nb.read_text())
    readme = root / "README.md"
    new[readme] = BADGE.sub(lambda m: f"({colab_link(url, m['path'])})", readme.read_text())
    changed = [path for path, text in new.items() if path.read_text() != text]
    for path in changed:
        path.write_text(new[path])
    return changed
