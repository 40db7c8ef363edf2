"""Where to compute, how to seed, and quick mode.

Every notebook starts with `device = setup()`: it seeds Python, NumPy and PyTorch,
picks the fastest device there is, and says which.

Quick mode (`MNIST_QUICK=1`) makes the notebooks train on less data or for fewer
epochs, so the whole suite runs in minutes on a 2-core CPU (the tests use it).
Full mode, the default, is what learners run.

>>> device = setup(seed=42)             # doctest: +ELLIPSIS
Device: ... | seed: 42
>>> epochs = pick(full=20, quick=2)     # 20 in full mode, 2 in quick mode
"""

from __future__ import annotations

import importlib.util
import os
import random
import warnings
from typing import TypeVar

import numpy as np
import torch

T = TypeVar("T")
QUICK_ENV = "MNIST_QUICK"


def quick_mode() -> bool:
    """True when the environment variable `MNIST_QUICK` is set to 1/true/yes/on."""
    return os.environ.get(QUICK_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def pick(full: T, quick: T) -> T:
    """Return `full` normally and `quick` in quick mode. Used once, in a settings cell, by every notebook.

    >>> pick(full=20, quick=2) in (20, 2)
    True
    """
    return quick if quick_mode() else full


def get_device() -> torch.device:
    """The best device available: CUDA, then Apple's MPS, then the CPU."""
    if torch.cuda.is_available():
        return torch.device("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        return torch.device("mps")
    return torch.device("cpu")


def seed_everything(seed: int = 42) -> None:
    """Seed Python's `random`, NumPy and PyTorch (CPU and every GPU) with `seed`."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)  # also seeds CUDA and MPS
    torch.backends.cudnn.benchmark = False


def import_fastai_quietly() -> None:
    """Import fastai (if installed) once, hiding the FutureWarning that fastai 2.8 triggers by
    calling `torch.jit.script`, which torch 2.14 deprecates: it says nothing a learner can act on.
    The filter holds only for this import; every other warning still shows."""
    if importlib.util.find_spec("fastai") is None:
        return
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*torch\.jit\.script.* is deprecated", category=FutureWarning)
        import fastai.torch_core  # noqa: F401
        import fastai.layers  # noqa: F401


def setup(seed: int = 42, verbose: bool = True) -> torch.device:
    """Seed everything and pick the device, in one call at the top of every notebook.

    It also imports fastai once with its one deprecation warning hidden, so call it before
    `from fastbook import *`.

    >>> device = setup(42, verbose=False)
    >>> device.type in {"cpu", "cuda", "mps"}
    True
    """
    import_fastai_quietly()
    seed_everything(seed)
    device = get_device()
    if verbose:
        print(f"Device: {device.type} | seed: {seed}")
    return device
