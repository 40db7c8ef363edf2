"""MNIST as fastai-style folders of PNG files and as tensors. Taught in notebook 01, used by every notebook.

* `get_mnist(kind)` returns a folder laid out exactly like fastai's `URLs.MNIST` (`training/`,
  `testing/`) or `URLs.MNIST_SAMPLE` (`train/`, `valid/`, `labels.csv`), with every PNG named by its
  index in the MNIST file, so fastbook's code runs on it unchanged;
* `load_mnist(kind, split)` gives the same images as tensors, read straight from the MNIST files (fast).

Both build what they need once, offline, from a local cache (`python -m helpers where` prints it).
This file is the lesson's view; the work behind it is course machinery: helpers/_course/cache.py
(the cache, its checks and lock) and sources.py (where the four files come from).

>>> sorted(p.name for p in (get_mnist("sample") / "valid").iterdir())
['3', '7']
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch

from helpers._course.cache import build_folder, check_kind, check_split, ensure_idx, read_split
from helpers._course.fastai_data import link_for_fastai
from helpers._course.idx import DIGITS
from helpers.runtime import quick_mode


def get_mnist(kind: str = "full", progress: bool = True) -> Path:
    """Path to MNIST as PNG folders laid out like fastai's archives, built once.

    `kind="full"`: `training/<digit>/<index>.png` (60,000) and `testing/...` (10,000).
    `kind="sample"`: `train/3`, `train/7`, `valid/3`, `valid/7` and `labels.csv`.
    When it has just built a folder in the default cache, it also lets fastai's
    `untar_data` find it and says so in one line. (A cache named by `MNIST_CACHE` may be
    temporary, so only `python -m helpers fetch` links that.)
    In quick mode (`MNIST_QUICK=1`, what the tests run) `kind="full"` returns a smaller folder of
    the same layout instead, every 10th image, so notebooks 06 and 07 train on ten digits in
    seconds with unchanged code (the sample stays whole); fastai's `untar_data` still finds the
    full folders.

    >>> path = get_mnist("sample")
    >>> (path / "train" / "3" / "10000.png").exists()
    True
    """
    quick = quick_mode()
    path, built = build_folder(check_kind(kind), progress, quick)
    if built and not quick and not os.environ.get("MNIST_CACHE"):
        made, line = link_for_fastai(path)
        if made:
            print(line)
    return path


def load_mnist(kind: str = "full", split: str = "train") -> tuple[torch.Tensor, torch.Tensor]:
    """Images `uint8 [N, 28, 28]` and labels `int64 [N]`, read from the cached MNIST files.

    `split` is "train" or "test" (also "training"/"testing", and "valid" as the sample
    calls the test images). `kind="sample"` keeps only the 3s and 7s, in file order,
    with their digit as label (3 or 7).

    >>> x, y = load_mnist("sample", "valid")
    >>> x.shape, y.unique().tolist()
    (torch.Size([2038, 28, 28]), [3, 7])
    """
    kind = check_kind(kind)
    images, labels = read_split(ensure_idx(), check_split(split))
    images, labels = torch.from_numpy(images.copy()), torch.from_numpy(labels.astype(np.int64))
    if kind == "sample":
        keep = torch.isin(labels, torch.tensor(DIGITS["sample"]))
        images, labels = images[keep], labels[keep]
    return images, labels
