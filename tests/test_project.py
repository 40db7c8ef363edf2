"""The project's own files agree with each other (conda can't be reached here to check)."""

from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _requirement_lines(lines: list[str]) -> list[str]:
    return sorted(re.sub(r"\s+", "", line) for line in lines if line.strip() and not line.strip().startswith("#"))


def test_environment_yml_installs_the_lock_as_make_setup_does():
    env = (ROOT / "environment.yml").read_text().splitlines()
    start = next(i for i, line in enumerate(env) if line.strip() == "- pip:")
    pip_lines = [line.split("#")[0].strip()[2:] for line in env[start + 1:] if line.strip().startswith("- ")]
    assert pip_lines == ["-r requirements.lock"]
    assert re.search(r"pip install -q -r requirements\.lock$", (ROOT / "Makefile").read_text(), flags=re.M)


def test_the_lock_pins_every_requirement_within_its_range():
    """requirements.lock (make lock) is up to date with requirements.txt: every package named there is pinned,
    to a version its range allows, and nothing in the lock is left unpinned."""
    from packaging.requirements import Requirement

    lock = (ROOT / "requirements.lock").read_text()
    pins = {_name(m[1]): m[2] for m in re.finditer(r"^([A-Za-z0-9_.-]+)==([^\s;]+)", lock, flags=re.M)}
    lines = [line.split("#")[0].strip() for line in (ROOT / "requirements.txt").read_text().splitlines()]
    for line in [line for line in lines if line and not line.startswith("-")]:
        req = Requirement(line)
        assert _name(req.name) in pins, f"{req.name} is not in requirements.lock: run `make lock`"
        assert req.specifier.contains(pins[_name(req.name)]), f"{req.name}=={pins[_name(req.name)]} is not {req}"
    unpinned = [line for line in lock.splitlines() if line and not line.startswith((" ", "#", "-e ")) and "==" not in line]
    assert not unpinned and "-e ." in lock.splitlines()


def _name(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def test_ci_runs_the_readme_test_command():
    readme = (ROOT / "README.md").read_text()
    ci = (ROOT / ".ci" / "run").read_text()
    commands = re.findall(r"^```(?:bash|sh)\n(.*?)\n```", readme, flags=re.S | re.M)
    assert "make test" in commands, "README must show `make test` as a command of its own"
    assert re.search(r"^make test$", ci, flags=re.M), ".ci/run must call `make test` as the README writes it"


def test_notebooks_are_committed_as_a_clean_full_run():
    """What a learner sees on GitHub: outputs from one top-to-bottom run, no errors, no machine paths."""
    leak = re.compile(r"(/root/|/tmp/|/home/\w+|/work/|site-packages/)")
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        assert re.match(r"\d\d_[a-z0-9_]+\.ipynb$", path.name), path.name
        nb = json.loads(path.read_text())
        code = [c for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]
        counts = [c["execution_count"] for c in code]
        assert counts == list(range(1, len(code) + 1)), f"{path.name}: re-run it top to bottom"
        for c in code:
            for out in c["outputs"]:
                assert out["output_type"] != "error" or "NBVAL_RAISES_EXCEPTION" in "".join(c["source"]), path.name
                text = json.dumps(out.get("text", "")) + json.dumps(out.get("data", {}).get("text/plain", ""))
                assert not leak.search(text), f"{path.name}: an output shows a machine path: {leak.search(text)[0]}"
        assert any(c["outputs"] for c in code), f"{path.name} has no outputs"


def _code_cells(path: Path) -> list[str]:
    return ["".join(c["source"]) for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]


def test_lesson_cells_hold_no_test_scaffolding():
    """Quick-mode switches and result recording sit in one cell each; floors only in tests/floors.py."""
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = _code_cells(path)
        assert sum("record_results(" in c for c in cells) <= 1, f"{path.name}: record_results( in more than one cell"
        assert not any("floor=" in c or "record_result(" in c for c in cells), path.name
        assert not any("NBVAL_" in c for c in cells), f"{path.name}: nbval markers go in cell tags, not in the lesson"


SCAFFOLDING = re.compile(r"MNIST_QUICK|quick_mode|helpers\.pick|settings\[|time\.perf_counter|no_bar\(|no_logging\("
                         r"|device\.type ==|^assert ", flags=re.M)
TEST_WORDS = re.compile(r"quick mode|\bnbval\b|MNIST_QUICK|\bpytest\b|the tests\b", flags=re.I)


def test_notebooks_are_lessons_first():
    """The conventions of CONTRIBUTING.md: no scaffolding in lesson cells (only the closing recording cell may time
    or quiet fastai), no word of quick mode or tests in the prose, at most 3,500 words outside folded <details>,
    every exercise's solution folded, and each notebook closes with a recap, questions and a folded answer key."""
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        cells = json.loads(path.read_text())["cells"]
        lesson = ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]
        lesson = [c for c in lesson if "record_results(" not in c]
        bad = [m.group(0) for c in lesson for m in [SCAFFOLDING.search(c)] if m]
        assert not bad, f"{path.name}: scaffolding in lesson cells: {bad}"
        prose = ["".join(c["source"]) for c in cells if c["cell_type"] == "markdown"]
        words = sum(len(re.sub(r"<details>.*?</details>", "", p, flags=re.S).split()) for p in prose)
        assert words <= 3500, f"{path.name}: {words} words outside <details>"
        said = [m.group(0) for p in prose for m in [TEST_WORDS.search(p)] if m]
        assert not said, f"{path.name}: the prose talks about the tests: {said}"
        text = "\n".join(prose)
        assert re.search(r"^## Recap", text, flags=re.M), f"{path.name}: no recap"
        assert re.search(r"<details><summary>(Answers|Answer key)", text), f"{path.name}: no folded answer key"
        for i, c in enumerate(cells):
            if c["cell_type"] == "code" and "helpers.check(" in "".join(c["source"]):
                after = "".join("".join(d["source"]) for d in cells[i + 1:i + 3] if d["cell_type"] == "markdown")
                assert after.startswith("<details><summary>Solution"), f"{path.name}: cell {i}'s solution is not folded under it"


def test_notebooks_use_only_the_public_api_and_it_holds_only_what_they_use():
    import helpers

    used = set()
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        for cell in _code_cells(path):
            names = set(re.findall(r"helpers\.([A-Za-z_]\w*)", cell))
            assert names <= set(helpers.__all__), f"{path.name} reaches past the public API: {names - set(helpers.__all__)}"
            used |= names
    assert set(helpers.__all__) <= used, f"public names no notebook uses: {set(helpers.__all__) - used}"
    assert len(helpers.__all__) <= 25
