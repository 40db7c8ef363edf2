"""Where to compute, how to seed, and quick mode.

Every notebook starts with `device = setup()`: it seeds Python, NumPy and PyTorch,
picks the fastest device there is, and says which.

Quick mode (`MNIST_QUICK=1`, what the tests run) gives the slow notebooks (06, 07) less data,
from the data layer (`get_mnist`, `helpers.speed.mnist_tensors`), so their lesson code stays as
it is. Full mode, the default, is what learners run.

>>> device = setup(seed=42)             # doctest: +ELLIPSIS
Device: ... | seed: 42
"""

from __future__ import annotations

import importlib.util
import os
import random
import warnings

import numpy as np
import torch

QUICK_ENV = "MNIST_QUICK"
PROFILER_LOG_ENV = "KINETO_LOG_LEVEL"   # the log level of PyTorch's profiler library (kineto); 6 prints nothing


def quick_mode() -> bool:
    """True when the environment variable `MNIST_QUICK` is set to 1/true/yes/on."""
    return os.environ.get(QUICK_ENV, "").strip().lower() in {"1", "true", "yes", "on"}


def mode_name() -> str:
    """"quick" in quick mode, else "full": the name results and reports are kept under.

    >>> mode_name() in {"quick", "full"}
    True
    """
    return "quick" if quick_mode() else "full"


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
    The filter holds only for this import; every other warning still shows. Every Learner made after
    it times its `fit` calls (`helpers.fit_seconds`), and in quick mode trains shorter epochs on image folders
    (helpers/_course/quick_epochs.py)."""
    if importlib.util.find_spec("fastai") is None:
        return
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*torch\.jit\.script.* is deprecated", category=FutureWarning)
        import fastai.torch_core  # noqa: F401
        import fastai.layers  # noqa: F401
        from helpers._course import fit_timer, quick_epochs  # they import fastai.learner: inside the filter too
        fit_timer.add_to_every_learner()  # so that helpers.fit_seconds(learn) knows how long each training took
        if quick_mode():
            fit_timer.add_to_every_learner(quick_epochs.QuickEpochs)  # 06's 3 vs 7 epochs: 100 batches, not 193


def setup(seed: int = 42, verbose: bool = True) -> torch.device:
    """Seed everything and pick the device, in one call at the top of every notebook.

    It also imports fastai once with its one deprecation warning hidden, so call it before
    `from fastbook import *`, and quiets the log lines ("profiler_start", "gpuGetDeviceCount failed")
    that PyTorch's profiler writes to the notebook, unless `KINETO_LOG_LEVEL` is already set.

    >>> device = setup(42, verbose=False)
    >>> device.type in {"cpu", "cuda", "mps"}
    True
    """
    import_fastai_quietly()
    os.environ.setdefault(PROFILER_LOG_ENV, "6")  # PyTorch's profiler (07) prints no C++ log lines: its table says it all
    seed_everything(seed)
    device = get_device()
    if verbose:
        print(f"Device: {device.type} | seed: {seed}")
    return device
