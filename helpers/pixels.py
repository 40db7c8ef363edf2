"""Notebook 01 (pixels): an image as a table of shaded numbers, and how many images each class has.

>>> styler = pixel_heatmap(torch.arange(16).reshape(4, 4), crop=(slice(1, 3), range(0, 2)))
>>> styler.data
   0  1
1  4  5
2  8  9
"""

from __future__ import annotations

import hashlib
from typing import Any

import numpy as np
import pandas as pd
import torch

Crop = tuple[slice | range, slice | range]


def _as_slice(part: Any, axis: str) -> slice:
    if isinstance(part, range) and part.step == 1:
        return slice(part.start, part.stop)
    if isinstance(part, slice) and part.step in (None, 1):
        return part
    raise ValueError(f"crop {axis} must be a slice or a range with step 1, e.g. slice(4, 15) or range(4, 15); "
                     f"got {part!r}.")


def pixel_heatmap(img: Any, crop: Crop | None = None, cmap: str = "Greys", font_size: str = "6pt"):
    """The pixel values of one image `[H, W]` as a table, each cell shaded by its value. Taught in notebook 01.

    `img` is a tensor, NumPy array or PIL image, with integers 0..255 or floats 0..1.
    `crop=(rows, cols)` shows part of it, each a `slice` or `range`: `(slice(4, 15), slice(4, 22))`
    shows rows 4 to 14 and columns 4 to 21. Labels are the real pixel coordinates. Returns a
    pandas Styler (Jupyter shows it as a table; `.data` is the DataFrame behind it); 0 is
    white, 255 (or 1.0) black, whatever the crop.

    >>> pixel_heatmap(torch.zeros(2, 28, 28))
    Traceback (most recent call last):
    ...
    ValueError: pixel_heatmap expects one image of shape [H, W], got [2, 28, 28]: pick one, e.g. img[0].
    """
    arr = _one_image(img)
    rows, cols = _crop_slices(crop, arr.shape)
    df = pd.DataFrame(arr[rows, cols], index=np.arange(arr.shape[0])[rows], columns=np.arange(arr.shape[1])[cols])
    # A table id made from the pixels: the same HTML on every run, and no two heatmaps share CSS.
    uid = hashlib.md5(arr.tobytes() + repr((crop, arr.dtype.str)).encode()).hexdigest()[:10]
    styler = df.style.set_uuid(f"px{uid}").set_properties(**{"font-size": font_size})
    floats = np.issubdtype(arr.dtype, np.floating)
    if floats:
        styler = styler.format(precision=2)
    vmax = max(1.0, float(np.nanmax(arr))) if floats else max(255, int(arr.max()))
    return styler.background_gradient(cmap=cmap, axis=None, vmin=0, vmax=vmax)


def _one_image(img: Any) -> np.ndarray:
    """`img` as a 2-D array of numbers, or what a learner got wrong: a batch, a channel axis, booleans."""
    arr = np.asarray(img.detach().cpu() if isinstance(img, torch.Tensor) else img)
    if arr.ndim != 2:
        hint = ": drop the channel axis with img.squeeze()" if arr.ndim == 3 and 1 in (arr.shape[0], arr.shape[-1]) \
            else ": pick one, e.g. img[0]" if arr.ndim == 3 else ""
        raise ValueError(f"pixel_heatmap expects one image of shape [H, W], got {list(arr.shape)}{hint}.")
    if arr.dtype == bool or not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)):
        raise ValueError(f"pixel_heatmap expects numbers (uint8 0..255 or floats 0..1), got dtype {arr.dtype}"
                         f"{': a comparison gives booleans, make them numbers with .float()' if arr.dtype == bool else ''}.")
    return arr


def _crop_slices(crop: Crop | None, shape: tuple[int, ...]) -> tuple[slice, slice]:
    """The (rows, cols) slices of `crop`, or a clear error for a crop that selects nothing."""
    if crop is None:
        return slice(None), slice(None)
    if not isinstance(crop, (tuple, list)) or len(crop) != 2:
        raise ValueError(f"crop must be a pair (rows, cols), e.g. (slice(4, 15), slice(4, 22)); got {crop!r}.")
    rows, cols = _as_slice(crop[0], "rows"), _as_slice(crop[1], "cols")
    if not (len(range(shape[0])[rows]) and len(range(shape[1])[cols])):
        raise ValueError(f"crop {crop!r} selects no pixels of an image of shape {list(shape)}.")
    return rows, cols


def class_counts(**labels: Any) -> pd.DataFrame:
    """How many images of each class each split holds: one column per split. Used in notebook 01.

    >>> class_counts(train=torch.tensor([3, 7, 7]), test=torch.tensor([7]))
           train  test
    class             
    3          1     0
    7          2     1
    """
    if not labels:
        raise ValueError("class_counts needs at least one split, e.g. class_counts(train=y_train, test=y_test).")
    cols = {}
    for name, y in labels.items():
        y = torch.as_tensor(y)
        if y.ndim != 1 or y.dtype.is_floating_point:
            raise ValueError(f"{name} must be a 1-d tensor of class labels (integers), "
                             f"got shape {list(y.shape)} and dtype {y.dtype}.")
        cols[name] = pd.Series(y.cpu().numpy()).value_counts()
    df = pd.DataFrame(cols).fillna(0).astype("int64").sort_index()
    df.index.name = "class"
    return df
