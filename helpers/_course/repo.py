"""The project's one address and its release: where Colab installs `helpers` from and opens the notebooks.

Both live in `pyproject.toml`: the address in `[project.urls] Repository`, the release in
`version` (the git tag is `v` + version). Every notebook's first cell installs the package from
that address at that tag on Colab, and the README's "Open in Colab" links open the notebooks at
that tag, and their links to the lab notes (experiments/) open them there, so a class gets the same code all week, whatever is pushed to `main` meanwhile.

    python -m helpers set-repo https://github.com/you/your-fork   # a fork points everything at itself
    python -m helpers release 0.3.0                                # one commit and the tag v0.3.0

>>> colab_link("https://github.com/me/mnist", "notebooks/01_pixels.ipynb", "v0.2.0")
'https://colab.research.google.com/github/me/mnist/blob/v0.2.0/notebooks/01_pixels.ipynb'
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]   # the repository: helpers/_course/repo.py
URL_LINE = re.compile(r'^Repository = "([^"]*)"$', re.M)
VERSION_LINE = re.compile(r'^version = "([^"]*)"$', re.M)
VERSION = re.compile(r"^\d+\.\d+\.\d+$")
# an install line's address and the tag it pins: git+https://github.com/OWNER/NAME@v0.2.0
INSTALL = re.compile(r"git\+(?P<url>[^\s\"'\\@]+)(?:@(?P<ref>[\w.\-]+))?")
GITHUB = re.compile(r"^https://github\.com/(?P<owner>[\w.-]+)/(?P<name>[\w.-]+?)(?:\.git)?/?$")
# a link from a notebook to the lab notes, absolute so that it opens on Colab too: (https://github.com/O/N/blob/v0.3.1/experiments/x.md)
LAB_NOTES = re.compile(r"\(https://github\.com/[\w.-]+/[\w.-]+/blob/[\w.\-]+/(?P<path>experiments/[^)\s]*)\)")
BADGE = re.compile(r"\(https://colab\.research\.google\.com/github/[^)]*?/blob/[\w.\-]+/(?P<path>(?:notebooks|student)/[^)]+)\)")


def repo_url(root: Path = ROOT) -> str:
    """The address in pyproject.toml's `[project.urls] Repository`."""
    found = URL_LINE.search((root / "pyproject.toml").read_text())
    if not found:
        raise ValueError(f"{root / 'pyproject.toml'} has no `Repository = \"...\"` line under [project.urls].")
    return found[1]


def version(root: Path = ROOT) -> str:
    """The release in pyproject.toml's `version`, e.g. '0.2.0'."""
    found = VERSION_LINE.search((root / "pyproject.toml").read_text())
    if not found:
        raise ValueError(f"{root / 'pyproject.toml'} has no `version = \"...\"` line under [project].")
    return found[1]


def release_tag(root: Path = ROOT) -> str:
    """The git tag of the release the notebooks install and the badges open: 'v' + the version."""
    return f"v{version(root)}"


def colab_link(url: str, notebook: str, ref: str = "main") -> str:
    """The address that opens `notebook` (a path in the repository) from GitHub in Colab, at `ref` (a tag or branch)."""
    m = GITHUB.match(url)
    if not m:
        raise ValueError(f"{url!r} is not a GitHub repository address (https://github.com/OWNER/NAME): "
                         "Colab opens notebooks from GitHub only.")
    return f"https://colab.research.google.com/github/{m['owner']}/{m['name']}/blob/{ref}/{notebook}"


def install_targets(notebook: Path) -> list[tuple[str, str | None]]:
    """The (address, tag) pairs a notebook's install cell (its first code cell) installs from."""
    import json

    cells = [c for c in json.loads(notebook.read_text())["cells"] if c["cell_type"] == "code"]
    return [(m["url"], m["ref"]) for m in INSTALL.finditer("".join(cells[0]["source"]))] if cells else []


def _course_files(root: Path) -> list[Path]:
    """The notebooks and their student copies (classroom/student.py), each with an install cell."""
    notebooks = sorted((root / "notebooks").glob("[0-9]*.ipynb")) + sorted((root / "student").glob("[0-9]*.ipynb"))
    missing = [nb.name for nb in notebooks if not install_targets(nb)]
    if missing:
        raise ValueError(f"no `git+...` install line in the first code cell of {', '.join(missing)}.")
    return notebooks


def _pointed_at(root: Path, url: str, tag: str) -> dict[Path, str]:
    """Every file that names the address or the release, as it reads once pointed at `url` and `tag`."""
    new = {nb: LAB_NOTES.sub(lambda m: f"({url}/blob/{tag}/{m['path']})", INSTALL.sub(f"git+{url}@{tag}", nb.read_text()))
           for nb in _course_files(root)}
    readme = root / "README.md"
    new[readme] = BADGE.sub(lambda m: f"({colab_link(url, m['path'], tag)})", readme.read_text())
    return new


def _write_changed(new: dict[Path, str]) -> list[Path]:
    changed = [path for path, text in new.items() if path.read_text() != text]
    for path in changed:
        path.write_text(new[path])
    return changed


def set_repo(url: str, root: Path = ROOT) -> list[Path]:
    """Point pyproject.toml, every notebook's install cell and the README's Colab links at `url`.

    The release they pin stays as it is. Checks everything before writing anything; returns the files it changed.
    """
    colab_link(url, "x")  # a GitHub address, or a clear error before anything is written
    url = url.rstrip("/").removesuffix(".git")
    pyproject = root / "pyproject.toml"
    new = _pointed_at(root, url, release_tag(root))
    new[pyproject] = URL_LINE.sub(f'Repository = "{url}"', pyproject.read_text())
    return _write_changed(new)


def _git(root: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True)


def release(new_version: str, root: Path = ROOT) -> str:
    """Cut a release: set the version, pin every install cell and Colab link to its tag, commit, tag; the tag.

    The version must be X.Y.Z and newer than pyproject's (or equal to it, if that one was never tagged), the
    work tree clean (a release is a commit of its own). Checks all that before writing anything; if the commit
    fails, the files are put back.
    """
    if not VERSION.match(new_version):
        raise ValueError(f"{new_version!r} is not a version like 0.3.0 (three numbers, no 'v').")
    old, tag = version(root), f"v{new_version}"
    as_numbers = lambda v: tuple(int(n) for n in v.split("."))  # noqa: E731
    if _git(root, "rev-parse", "--is-inside-work-tree").returncode != 0:
        raise ValueError(f"{root} is not a git checkout: a release is a git tag.")
    if _git(root, "rev-parse", "--verify", "--quiet", f"refs/tags/{tag}").returncode == 0:
        raise ValueError(f"the tag {tag} exists already: choose a newer version than {old}.")
    if as_numbers(new_version) < as_numbers(old):
        raise ValueError(f"{new_version} is older than the current version {old}: choose a newer one.")
    if _git(root, "status", "--porcelain", "--untracked-files=no").stdout.strip():
        raise ValueError("the work tree has uncommitted changes: commit or stash them first "
                         "(a release is a commit of its own).")
    pyproject = root / "pyproject.toml"
    new = _pointed_at(root, repo_url(root), tag)
    new[pyproject] = VERSION_LINE.sub(f'version = "{new_version}"', pyproject.read_text(), count=1)
    before = {path: path.read_text() for path in new}
    changed = _write_changed(new)
    if changed:
        done = _git(root, "commit", "--quiet", "-m", f"Release {tag}: the install cells and Colab links pin it",
                    "--", *(str(p.relative_to(root)) for p in changed))
        if done.returncode != 0:
            for path in changed:
                path.write_text(before[path])
            raise ValueError(f"git commit failed, nothing changed: {done.stderr.strip() or done.stdout.strip()}")
    done = _git(root, "tag", "-a", tag, "-m", f"Release {tag}")
    if done.returncode != 0:
        raise ValueError(f"git tag failed: {done.stderr.strip()} (the release commit is made; run `git tag -a {tag}`).")
    return tag
