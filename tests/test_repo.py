"""The project's one address (pyproject.toml) is the one every Colab path uses; a fork changes it in one command."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from helpers._course.repo import colab_link, install_urls, repo_url, set_repo

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
STUDENT = sorted((ROOT / "student").glob("[0-9]*.ipynb"))  # the student copies (classroom/student.py)


def test_every_install_cell_installs_from_the_projects_address():
    url = repo_url()
    assert url.startswith("https://github.com/")
    assert len(STUDENT) == len(NOTEBOOKS)
    for nb in NOTEBOOKS + STUDENT:
        assert install_urls(nb) == [url], f"{nb}: its first cell installs from {install_urls(nb)}, not {url}"


def test_readme_opens_every_notebook_and_student_copy_in_colab_from_that_address():
    readme = (ROOT / "README.md").read_text()
    for nb in NOTEBOOKS + STUDENT:
        link = colab_link(repo_url(), nb.relative_to(ROOT).as_posix())
        assert f"[![Open In Colab](https://colab.research.google.com/assets/colab-badge.svg)]({link})" in readme, nb.name
    assert len(re.findall(r"colab\.research\.google\.com/github/", readme)) == len(NOTEBOOKS + STUDENT)


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
        assert install_urls(project_copy / nb) == [fork]
        json.loads((project_copy / nb).read_text())  # still a valid notebook
        assert colab_link(fork, nb) in (project_copy / "README.md").read_text()
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
