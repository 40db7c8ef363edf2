"""pytest runs in quick mode unless told otherwise (MNIST_QUICK=0 pytest ... for full).

The variable is set before nbval starts any kernel, so the notebooks see it too.

Tests marked `after_notebooks` (tests/test_recorded_results.py) check what a notebook
recorded: they run after every notebook, only for the notebooks collected in this run,
and each such notebook's old results are removed first, so a stale file can't pass.
"""

import os
from pathlib import Path

import pytest

os.environ.setdefault("MNIST_QUICK", "1")
collect_ignore = ["notebooks/helpers"]  # the link that lets notebooks/ import the package


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "after_notebooks(): runs after the notebooks, checks their recorded results")


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    notebooks = {Path(str(item.fspath)).stem for item in items if str(item.fspath).endswith(".ipynb")}
    after = [item for item in items if item.get_closest_marker("after_notebooks")]
    keep = [item for item in after if item.callspec.params.get("notebook") in notebooks]
    dropped = [item for item in after if item not in keep]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
    items[:] = [item for item in items if item not in after] + keep
    if keep and not config.option.collectonly:
        from helpers.runtime import quick_mode

        results = Path(__file__).parent / "notebooks" / "results" / ("quick" if quick_mode() else "full")
        for item in keep:
            (results / f"{item.callspec.params['notebook']}.json").unlink(missing_ok=True)
