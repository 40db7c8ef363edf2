"""Every example in helpers' docstrings runs and prints what it shows (one test per module)."""

from __future__ import annotations

import doctest
import importlib
import pkgutil
from pathlib import Path

import pytest

import helpers

MODULES = sorted(m.name for m in pkgutil.walk_packages(helpers.__path__, "helpers.")
                 if not m.ispkg and m.name != "helpers.__main__")


def test_every_module_is_found():
    """Every .py file of the package is tested here, so a module walk_packages missed would not go untested."""
    root = Path(helpers.__file__).parent
    files = {"helpers." + ".".join(p.relative_to(root).with_suffix("").parts) for p in root.rglob("*.py")
             if p.stem not in ("__init__", "__main__")}
    assert files and set(MODULES) == files


@pytest.mark.parametrize("name", ["helpers"] + MODULES)
def test_docstring_examples_run(name: str, monkeypatch: pytest.MonkeyPatch, tmp_path):
    monkeypatch.chdir(tmp_path)  # examples that write files write them here
    monkeypatch.setenv("MNIST_QUICK", "0")  # the examples show full mode: the folders a learner gets
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, report=True)
    assert result.attempted > 0, f"{name} has no example in its docstrings"
    assert result.failed == 0, f"{result.failed} of {result.attempted} examples in {name} failed (see above)"
