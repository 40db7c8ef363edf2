"""The project's one address and release (pyproject.toml) are what every Colab path uses; a fork changes the address
in one command, a teacher cuts a release in one more."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers._course.repo import LAB_NOTES, colab_link, install_targets, release, release_tag, repo_url, set_repo, version

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
STUDENT = sorted((ROOT / "student").glob("[0-9]*.ipynb"))  # the student copies (classroom/student.py)


def test_every_install_cell_installs_the_release_from_the_projects_address():
    url, tag = repo_url(), release_tag()
    assert url.startswith("https://github.com/") and re.fullmatch(r"v\d+\.\d+\.\d+", tag)
    assert len(STUDENT) == len(NOTEBOOKS)
    for nb in NOTEBOOKS + STUDENT:
        assert install_targets(nb) == [(url, tag)], f"{nb}: its first cell installs {install_targets(nb)}, not {url}@{tag}"


def test_readme_opens_every_notebook_and_student_copy_in_colab_at_the_release():
    readme = (ROOT / "README.md").read_text()
    for nb in NOTEBOOKS + STUDENT:
        link = colab_link(repo_url(), nb.relative_to(ROOT).as_posix(), release_tag())
        assert f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({link})" in readme, nb.name
    assert len(re.findall(r"colab\.research\.google\.com/github/", readme)) == len(NOTEBOOKS + STUDENT)


def test_links_to_the_lab_notes_open_at_the_release_on_colab_too():
    url, tag = repo_url(), release_tag()
    linked = 0
    for nb in NOTEBOOKS + STUDENT:
        text = nb.read_text()
        assert "](../experiments/" not in text, f"{nb.name}: a relative link to the lab notes breaks on Colab"
        for m in LAB_NOTES.finditer(text):
            assert m[0] == f"({url}/blob/{tag}/{m['path']})", f"{nb.name}: {m[0]} is not at {url}@{tag}"
            assert (ROOT / m["path"].split("#")[0]).is_file(), f"{nb.name} links to {m['path']}, which is missing"
            linked += 1
    assert linked >= 6


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    shutil.copy(ROOT / "README.md", tmp_path)
    shutil.copytree(ROOT / "notebooks", tmp_path / "notebooks", ignore=shutil.ignore_patterns("results", "helpers"))
    shutil.copytree(ROOT / "student", tmp_path / "student", ignore=shutil.ignore_patterns("results", "helpers", "models"))
    return tmp_path


def test_set_repo_points_pyproject_cells_and_links_at_a_fork(project_copy: Path):
    fork = "https://github.com/someone/mnist-fork"
    changed = set_repo(fork + ".git", root=project_copy)
    copies = [nb.relative_to(ROOT).as_posix() for nb in NOTEBOOKS + STUDENT]
    assert {p.relative_to(project_copy).as_posix() for p in changed} == {"pyproject.toml", "README.md", *copies}
    assert repo_url(project_copy) == fork
    for nb in copies:
        assert install_targets(project_copy / nb) == [(fork, release_tag())]  # the release it pins stays
        json.loads((project_copy / nb).read_text())  # still a valid notebook
        assert colab_link(fork, nb, release_tag()) in (project_copy / "README.md").read_text()
    assert set_repo(fork, root=project_copy) == []  # a second time: nothing to change


def test_set_repo_refuses_an_address_colab_cannot_open_and_writes_nothing(project_copy: Path):
    before = {p: p.read_text() for p in project_copy.rglob("*") if p.is_file()}
    with pytest.raises(ValueError, match="not a GitHub repository address"):
        set_repo("https://gitlab.com/someone/fork", root=project_copy)
    assert {p: p.read_text() for p in project_copy.rglob("*") if p.is_file()} == before


def test_set_repo_command_says_what_is_wrong_without_a_traceback():
    done = subprocess.run([sys.executable, "-m", "helpers", "set-repo", "not a url"], cwd=ROOT,
                          capture_output=True, text=True)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "not a GitHub repository address" in done.stderr


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True, text=True).stdout.strip()


@pytest.fixture
def checkout(project_copy: Path) -> Path:
    """The project copy as a git checkout with one commit, as a teacher's fork would be."""
    _git(project_copy, "init", "--quiet", "-b", "main")
    _git(project_copy, "-c", "user.name=T", "-c", "user.email=t@example.org", "add", ".")
    _git(project_copy, "-c", "user.name=T", "-c", "user.email=t@example.org", "commit", "--quiet", "-m", "course")
    _git(project_copy, "config", "user.name", "Teacher")
    _git(project_copy, "config", "user.email", "teacher@example.org")
    return project_copy


def test_release_bumps_the_version_pins_every_cell_and_badge_commits_and_tags(checkout: Path):
    assert release("7.1.0", root=checkout) == "v7.1.0"
    assert version(checkout) == "7.1.0" and _git(checkout, "status", "--porcelain") == ""  # all in the commit
    assert _git(checkout, "describe", "--exact-match", "HEAD") == "v7.1.0"               # and tagged
    readme = (checkout / "README.md").read_text()
    for nb in NOTEBOOKS + STUDENT:
        path = nb.relative_to(ROOT).as_posix()
        assert install_targets(checkout / path) == [(repo_url(), "v7.1.0")], path
        assert colab_link(repo_url(), path, "v7.1.0") in readme, path
    assert f"blob/{release_tag()}/" not in readme                                        # no old pin left
    assert f"@{release_tag()}" not in (checkout / "notebooks" / NOTEBOOKS[0].name).read_text()
    for nb in NOTEBOOKS + STUDENT:                                                      # lab-notes links too
        text = (checkout / nb.relative_to(ROOT)).read_text()
        assert f"blob/{release_tag()}/experiments" not in text and (
            "experiments/" not in nb.read_text() or f"blob/v7.1.0/experiments/" in text), nb.name
    # what changed is only the version and the pins
    diff = _git(checkout, "diff", "HEAD~1", "--stat")
    assert "pyproject.toml" in diff and f"{len(NOTEBOOKS + STUDENT) + 2} files changed" in diff


@pytest.mark.parametrize("version_, dirty, problem", [
    ("v7.1.0", False, "not a version like 0.3.0"),
    ("0.0.1", False, "older than the current version"),
    ("7.1.0", True, "uncommitted changes"),
])
def test_release_refuses_and_writes_nothing(checkout: Path, version_: str, dirty: bool, problem: str):
    if dirty:
        (checkout / "README.md").write_text((checkout / "README.md").read_text() + "\nan edit\n")
    before = {p: p.read_bytes() for p in checkout.rglob("*") if p.is_file() and ".git" not in p.parts}
    with pytest.raises(ValueError, match=problem):
        release(version_, root=checkout)
    assert {p: p.read_bytes() for p in checkout.rglob("*") if p.is_file() and ".git" not in p.parts} == before
    assert _git(checkout, "tag") == "" and _git(checkout, "rev-list", "--count", "HEAD") == "1"


def test_release_refuses_a_tag_that_exists(checkout: Path):
    release("7.1.0", root=checkout)
    with pytest.raises(ValueError, match="exists already"):
        release("7.1.0", root=checkout)


def test_release_puts_the_files_back_when_the_commit_fails(checkout: Path):
    hook = checkout / ".git" / "hooks" / "pre-commit"
    hook.write_text("#!/bin/sh\necho refused by a hook; exit 1\n")
    hook.chmod(0o755)
    before = {p: p.read_bytes() for p in checkout.rglob("*") if p.is_file() and ".git" not in p.parts}
    with pytest.raises(ValueError, match="git commit failed.*refused by a hook"):
        release("7.1.0", root=checkout)
    assert {p: p.read_bytes() for p in checkout.rglob("*") if p.is_file() and ".git" not in p.parts} == before
    assert _git(checkout, "tag") == ""


def test_release_command_says_what_is_wrong_without_a_traceback():
    done = subprocess.run([sys.executable, "-m", "helpers", "release", "one"], cwd=ROOT, capture_output=True, text=True)
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "not a version like 0.3.0" in done.stderr
