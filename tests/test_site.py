"""The course website's configuration (website/build.py), without building it or opening a browser.

`make site` builds the site; `make browser-test` opens every page in Chromium
(tests/browser/browser_site.py). These tests check what the build is given: every notebook
in order, the optional pages that exist, and buttons built from pyproject.toml's address.
"""

from __future__ import annotations

import doctest
import json
import shutil
from pathlib import Path

import pytest

from helpers._course.repo import colab_link, release_tag, repo_url, set_repo
from website import build

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def _nav_paths(nav: list) -> list[str]:
    out = []
    for entry in nav:
        for value in entry.values():
            out += _nav_paths(value) if isinstance(value, list) else [value]
    return out


def _notebook_section(nav: list) -> list[dict]:
    return next(entry["Notebooks"] for entry in nav if "Notebooks" in entry)


def test_nav_lists_every_notebook_in_order_with_its_title():
    assert NOTEBOOKS, "no notebooks found"
    section = _notebook_section(build.nav())
    assert [path for entry in section for path in entry.values()] == [f"notebooks/{nb.name}" for nb in NOTEBOOKS]
    for entry, nb in zip(section, NOTEBOOKS):
        (title,) = entry
        cells = json.loads(nb.read_text())["cells"]
        assert f"# {title}" in "".join(cells[0]["source"]), f"{nb.name}: nav title {title!r} is not its heading"
    assert _nav_paths(build.nav())[0] == "index.md"


def test_every_notebook_button_is_built_from_pyprojects_address():
    cfg = build.config()
    url = repo_url()
    assert cfg["extra"]["repository"] == url
    owner_name = url.removeprefix("https://github.com/")
    links = cfg["extra"]["notebook_links"]
    assert sorted(links) == [f"notebooks/{nb.name}" for nb in NOTEBOOKS]
    for nb in NOTEBOOKS:
        path = f"notebooks/{nb.name}"
        tag = release_tag()   # the release the install cells pin: what a class runs
        assert links[path]["colab"] == colab_link(url, path, tag)  # the README's badges use the same function
        assert links[path]["colab"] == f"https://colab.research.google.com/github/{owner_name}/blob/{tag}/{path}"
        assert links[path]["download"] == f"https://raw.githubusercontent.com/{owner_name}/{tag}/{path}"
        assert links[path]["github"] == f"https://github.com/{owner_name}/blob/{tag}/{path}"


def test_the_site_never_executes_a_notebook_and_loads_nothing_from_a_cdn():
    plugins = {name: opts for p in build.config()["plugins"] for name, opts in p.items()}
    assert plugins["mkdocs-jupyter"]["execute"] is False
    assert plugins["mkdocs-jupyter"]["include_requirejs"] is False
    assert build.config()["theme"]["font"] is False


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of what the site is built from: pyproject.toml, README.md and the notebooks."""
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    shutil.copy(ROOT / "README.md", tmp_path)
    (tmp_path / "notebooks").mkdir()
    for nb in NOTEBOOKS:
        shutil.copy(nb, tmp_path / "notebooks" / nb.name)
    return tmp_path


def test_a_forks_set_repo_moves_every_button_and_the_home_page(project: Path):
    fork = "https://github.com/someone/mnist-fork"
    set_repo(fork, root=project)
    cfg = build.config(project)
    for path, links in cfg["extra"]["notebook_links"].items():
        assert links["colab"] == f"https://colab.research.google.com/github/someone/mnist-fork/blob/{release_tag()}/{path}"
        assert "someone/mnist-fork" in links["download"] and "someone/mnist-fork" in links["github"]
    home = build.home_page(project)
    assert repo_url() not in home and fork in home
    for nb in NOTEBOOKS:
        assert f"(notebooks/{nb.name})" in home and colab_link(fork, f"notebooks/{nb.name}", release_tag()) in home


def test_a_new_or_renumbered_notebook_needs_no_change(project: Path):
    nbs = sorted((project / "notebooks").glob("*.ipynb"))
    nbs[-1].rename(project / "notebooks" / ("09" + nbs[-1].name[2:]))
    shutil.copy(nbs[0], project / "notebooks" / "08_new_lesson.ipynb")
    (project / "notebooks" / "notes.ipynb").write_text(nbs[0].read_text())  # not a lesson: no number
    paths = [p for entry in _notebook_section(build.nav(project)) for p in entry.values()]
    assert paths == sorted(f"notebooks/{p.name}" for p in (project / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    assert paths[-2:] == ["notebooks/08_new_lesson.ipynb", "notebooks/09" + nbs[-1].name[2:]]
    assert "notebooks/notes.ipynb" not in paths


def test_guides_and_lab_notes_are_pages_only_where_they_exist(project: Path):
    assert _nav_paths(build.nav(project)) == ["index.md"] + [f"notebooks/{nb.name}" for nb in NOTEBOOKS]
    (project / "TEACHING.md").write_text("# Teaching this course\n\nSee [the helpers](helpers/data.py).\n")
    (project / "CONTRIBUTING.md").write_text("# Contributing\n")
    (project / "experiments" / "lr").mkdir(parents=True)
    (project / "experiments" / "README.md").write_text("# Lab notes\n")
    (project / "experiments" / "lr" / "README.md").write_text("# Learning-rate runs\n")
    nav = build.nav(project)
    assert _nav_paths(nav)[-4:] == ["TEACHING.md", "experiments/README.md", "experiments/lr/README.md",
                                    "CONTRIBUTING.md"]
    assert {"Teacher's guide": "TEACHING.md"} in nav and {"Contributing": "CONTRIBUTING.md"} in nav
    assert {"Lab notes": [{"Lab notes": "experiments/README.md"},
                          {"Learning-rate runs": "experiments/lr/README.md"}]} in nav
    assert "[Teacher's guide](TEACHING.md)" in build.home_page(project)


def test_prepare_writes_the_notebooks_as_they_are_less_their_widget_views(project: Path, tmp_path: Path):
    (project / "helpers").mkdir()
    (project / "helpers" / "data.py").write_text("")
    (project / "TEACHING.md").write_text("# Teaching\n\n[data](helpers/data.py), [lesson 1](notebooks/"
                                         f"{NOTEBOOKS[0].name}), [top](#teaching), [web](https://example.org)\n")
    mkdocs_yml = build.prepare(project, src_dir=tmp_path / "src", site_dir=tmp_path / "site")
    cfg = json.loads(mkdocs_yml.read_text())  # JSON, which YAML reads too
    docs = Path(cfg["docs_dir"])
    assert cfg["site_dir"] == str(tmp_path / "site") and cfg["nav"] == build.nav(project)
    assert (docs / "index.md").read_text() == build.home_page(project)
    widgets = 0
    for nb in NOTEBOOKS:
        original, page = json.loads(nb.read_text()), json.loads((docs / "notebooks" / nb.name).read_text())
        assert "widgets" not in page["metadata"]
        assert len(page["cells"]) == len(original["cells"])
        for before, after in zip(original["cells"], page["cells"]):
            assert before["source"] == after["source"]
            for out_before, out_after in zip(before.get("outputs", []), after.get("outputs", [])):
                data = out_before.get("data", {})
                if build.WIDGET_VIEW in data:
                    widgets += 1
                    assert out_after["data"] == {k: v for k, v in data.items() if k != build.WIDGET_VIEW}
                    assert "run this cell" in "".join(out_after["data"]["text/plain"])  # the static sentence
                else:
                    assert out_after == out_before
    assert widgets >= 1
    teaching = (docs / "TEACHING.md").read_text()
    assert f"[data]({build.blob_url(repo_url(project), 'helpers/data.py')})" in teaching
    assert f"[lesson 1](notebooks/{NOTEBOOKS[0].name})" in teaching  # MkDocs links pages itself
    assert "[top](#teaching)" in teaching and "[web](https://example.org)" in teaching


def test_an_address_colab_cannot_open_stops_the_build_with_a_clear_error(project: Path):
    text = (project / "pyproject.toml").read_text().replace(repo_url(project), "https://gitlab.com/x/y")
    (project / "pyproject.toml").write_text(text)
    with pytest.raises(ValueError, match="not a GitHub repository address"):
        build.config(project)


def test_docstring_examples_of_the_site_builder_run():
    result = doctest.testmod(build, report=True)
    assert result.attempted and not result.failed


def test_browser_test_builds_the_site_and_checks_it_and_a_workflow_publishes_it():
    makefile = (ROOT / "Makefile").read_text()
    target = next(line for line in makefile.splitlines() if line.startswith("browser-test:"))
    assert " site" in target, "make browser-test must build the site first"
    assert "tests/browser/browser_site.py" in makefile
    assert (ROOT / "website" / "home.md").is_file() and (ROOT / "requirements-site.txt").is_file()
    workflow = (ROOT / ".github" / "workflows" / "site.yml").read_text()
    assert "run: make site" in workflow and "path: site" in workflow
    assert "/site/" in (ROOT / ".gitignore").read_text().split(), "site/ is built, not committed"
