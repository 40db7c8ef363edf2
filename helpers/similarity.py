"""Notebook 02 (pixel similarity): the per-digit accuracy table, and the distances its widget draws.

Notebook 02 writes the mean digits and the L1 and RMSE distances by hand (that is the lesson).
What it does not teach, it calls from here: `per_class_accuracy`, and `distances_to_means`
behind `helpers.digit_explorer`. `to_float` is the one image converter the widgets share.

>>> x = torch.stack([torch.zeros(2, 2), torch.ones(2, 2)])
>>> distances_to_means(x, x, "rmse").tolist()
[[0.0, 1.0], [1.0, 0.0]]
"""

from __future__ import annotations

import pandas as pd
import torch
from torch import Tensor

METRICS = ("l1", "rmse")


def to_float(images: Tensor) -> Tensor:
    """Images as float32: uint8 pixels 0..255 are scaled to 0..1, floats are kept as they are.

    The one input converter of the package (the widgets and plots use it too).

    >>> to_float(torch.tensor([0, 255], dtype=torch.uint8)).tolist()
    [0.0, 1.0]
    """
    if not isinstance(images, Tensor):
        raise ValueError(f"expected a tensor of images, got {type(images).__name__}: use torch.as_tensor(...).")
    if images.dtype == torch.uint8:
        return images.float() / 255
    if not images.dtype.is_floating_point:
        raise ValueError(f"images must be uint8 (0..255) or floats (0..1), got {images.dtype}.")
    return images.float()


def distances_to_means(images: Tensor, means: Tensor, metric: str = "l1", chunk: int = 2000) -> Tensor:
    """Distance of every image `[N, H, W]` to every mean `[C, H, W]`: a `[N, C]` tensor.

    `metric` is "l1" (mean absolute difference) or "rmse". Works in chunks of `chunk`
    images so the `[chunk, C, H, W]` difference tensor stays small.

    >>> distances_to_means(torch.zeros(2, 2, 2), torch.stack([torch.zeros(2, 2), torch.ones(2, 2)])).tolist()
    [[0.0, 1.0], [0.0, 1.0]]
    """
    if metric not in METRICS:
        raise ValueError(f"metric must be one of {METRICS}, got {metric!r}.")
    for name, t in (("images", images), ("means", means)):
        if not isinstance(t, Tensor) or t.ndim != 3:
            shape = list(t.shape) if isinstance(t, Tensor) else type(t).__name__
            raise ValueError(f"{name} must be a tensor [N, H, W], got {shape}"
                             + (": add a batch axis with t[None]." if isinstance(t, Tensor) and t.ndim == 2 else "."))
    if images.shape[-2:] != means.shape[-2:]:
        raise ValueError(f"images {list(images.shape)} and means {list(means.shape)} must have the same [H, W].")
    m = to_float(means)
    out = []
    for start in range(0, images.shape[0], chunk):
        diff = to_float(images[start:start + chunk])[:, None] - m[None]   # [n, C, H, W]
        d = diff.abs().mean((-1, -2)) if metric == "l1" else (diff ** 2).mean((-1, -2)).sqrt()
        out.append(d)
    return torch.cat(out) if out else torch.zeros(0, means.shape[0])


def per_class_accuracy(preds: Tensor, targets: Tensor) -> pd.DataFrame:
    """Accuracy for each true class: a table with columns images, correct, accuracy. Used in notebook 02.

    >>> per_class_accuracy(torch.tensor([3, 7, 7]), torch.tensor([3, 7, 3])).accuracy.tolist()
    [0.5, 1.0]
    """
    if not isinstance(preds, Tensor) or not isinstance(targets, Tensor):
        raise ValueError("per_class_accuracy expects two tensors: preds [N] and targets [N].")
    if preds.ndim != 1 or preds.shape != targets.shape:
        raise ValueError(f"preds and targets must both have shape [N], got {list(preds.shape)} and {list(targets.shape)}.")
    rows = []
    for c in sorted(targets.unique().tolist()):
        keep = targets == c
        n, ok = int(keep.sum()), int((preds[keep] == c).sum())
        rows.append({"digit": c, "images": n, "correct": ok, "accuracy": round(ok / n, 4)})
    return pd.DataFrame(rows).set_index("digit")
