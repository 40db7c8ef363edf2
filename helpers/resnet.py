"""Notebook 06 (resnet18): picking a few images per digit, and how long a fastai training took.

>>> import helpers
>>> files = first_images(helpers.get_mnist("sample") / "train", ["3", "7"], 2)
>>> [f"{f.parent.name}/{f.name}" for f in files]    # doctest: +ELLIPSIS
['3/...png', '3/...png', '7/...png', '7/...png']
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

__all__ = ["first_images", "fit_seconds"]


def first_images(folder: Path, digits: Sequence[str], n: int) -> list[Path]:
    """The first `n` PNG files (sorted by name) of each digit's folder `folder/<digit>`, digit by digit.
    Used in notebook 06 to pretrain on some digits and to train on a small set.

    A digit with no folder there raises FileNotFoundError naming it.
    """
    files = []
    for digit in digits:
        here = Path(folder) / str(digit)
        if not here.is_dir():
            raise FileNotFoundError(f"{here} is not a folder: `digits` should name folders of {folder}, "
                                    f"such as {sorted(p.name for p in Path(folder).iterdir())[:3]}")
        files += sorted(here.glob("*.png"), key=lambda f: (len(f.name), f.name))[:n]
    return files


def fit_seconds(learn) -> float:
    """Wall-clock seconds of `learn`'s last training (`fit`, `fit_one_cycle`), validation included.
    Used by the closing cells of notebooks 05 and 06 to record how long each training took: every Learner made
    after `helpers.setup()` has a timer for it (helpers/_course/fit_timer.py).

    >>> class Learner: fit_seconds = 31.5
    >>> fit_seconds(Learner())
    31.5
    """
    seconds = getattr(learn, "fit_seconds", None)
    if seconds is None:
        raise ValueError("this Learner has no training time: make it after helpers.setup(), then train it with "
                         "fit or fit_one_cycle")
    return float(seconds)
