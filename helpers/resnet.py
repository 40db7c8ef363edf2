"""Notebook 06 (resnet18): whether pretrained weights can be had here.

>>> pretrained_available(lambda: 1 / 0)
False
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable


def pretrained_available(load: Callable[[], object]) -> bool:
    """True if `load()` (e.g. `lambda: resnet18(weights="IMAGENET1K_V1")`) works. Used in notebook 06.

    Downloading pretrained weights needs the internet; without it the download fails in a
    fraction of a second. Its messages and error are swallowed, so the notebook can say in
    plain words what it does instead.

    >>> pretrained_available(lambda: "weights")
    True
    """
    try:
        with contextlib.redirect_stderr(io.StringIO()), contextlib.redirect_stdout(io.StringIO()):
            load()
        return True
    except Exception:  # noqa: BLE001 - no network, firewall, broken cache: all mean "not available"
        return False
