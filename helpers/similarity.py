"""Notebook 02 (pixel similarity): mean digits and distances, with shape checks.

The "ideal" digit of a class is the mean of its training images; a new image gets the
class whose ideal digit is nearest, by mean absolute difference (L1) or root mean
squared error (RMSE, from L2). Broadcasting does the work over whole batches, and the
functions check shapes first, so a mistake gives a clear message instead of a tensor
of a surprising shape.

>>> from helpers.data import load_mnist
>>> x, y = load_mnist("full", "train")
>>> means = mean_digits(x, y)          # [10, 28, 28], floats 0..1
>>> xt, yt = load_mnist("full", "test")
>>> preds, dists = nearest_mean(xt, means, metric="rmse")
>>> (preds == yt).float().mean()
tensor(0.8203)
"""

from __future__ import annotations

from collections.abc import Sequence

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


def _check_pair(a: Tensor, b: Tensor, name: str) -> None:
    """`a` is [..., H, W]; `b` is one image [H, W] or the same shape as `a`."""
    for arg, t in (("a", a), ("b", b)):
        if not isinstance(t, Tensor):
            raise ValueError(f"{name}: {arg} must be a tensor, got {type(t).__name__}.")
        if t.ndim < 2:
            raise ValueError(f"{name}: {arg} must be an image [H, W] or a batch [N, H, W], got shape {list(t.shape)}.")
    if a.shape[-2:] != b.shape[-2:]:
        raise ValueError(f"{name}: the images have different sizes: a is {list(a.shape)}, b is {list(b.shape)}; "
                         "both must end in the same [H, W] (28 x 28 for MNIST).")
    if b.ndim > 2 and b.shape != a.shape:
        raise ValueError(f"{name}: b must be one image [H, W] (compared with every image of a) or have exactly "
                         f"a's shape {list(a.shape)}, got {list(b.shape)}. Broadcasting these would compare every "
                         "image with every other; use distances_to_means(images, means) for that.")


def l1_distance(a: Tensor, b: Tensor) -> Tensor:
    """Mean absolute difference over the last two axes (fastbook's `mnist_distance`).

    `a [N, H, W]` (or one image `[H, W]`) against `b [H, W]` gives `[N]` (or a scalar):
    `b` is broadcast over every image of `a`.

    >>> l1_distance(torch.zeros(3, 2, 2), torch.ones(2, 2)).tolist()
    [1.0, 1.0, 1.0]
    """
    _check_pair(a, b, "l1_distance")
    return (to_float(a) - to_float(b)).abs().mean((-1, -2))


def rmse_distance(a: Tensor, b: Tensor) -> Tensor:
    """Root mean squared difference over the last two axes; shapes as in `l1_distance`.

    >>> rmse_distance(torch.zeros(2, 2), torch.tensor([[0., 0.], [0., 2.]])).item()
    1.0
    """
    _check_pair(a, b, "rmse_distance")
    return ((to_float(a) - to_float(b)) ** 2).mean((-1, -2)).sqrt()


def mean_digits(images: Tensor, labels: Tensor, classes: Sequence[int] | None = None) -> Tensor:
    """The mean image of each class: `[len(classes), H, W]`, floats 0..1.

    `classes` defaults to every label present, in order (0..9 for MNIST).

    >>> mean_digits(torch.tensor([[[0.]], [[1.]], [[4.]]]), torch.tensor([3, 3, 7])).flatten().tolist()
    [0.5, 4.0]
    """
    if not isinstance(images, Tensor) or not isinstance(labels, Tensor):
        raise ValueError("mean_digits expects two tensors: images [N, H, W] and labels [N].")
    if images.ndim != 3:
        raise ValueError(f"images must have shape [N, H, W], got {list(images.shape)}.")
    if labels.ndim != 1 or labels.shape[0] != images.shape[0]:
        raise ValueError(f"labels must have shape [N] = [{images.shape[0]}] to match images, got {list(labels.shape)}.")
    classes = sorted(labels.unique().tolist()) if classes is None else list(classes)
    x = to_float(images)
    out = []
    for c in classes:
        keep = labels == c
        if not keep.any():
            raise ValueError(f"class {c} has no images, so it has no mean; the labels hold {sorted(labels.unique().tolist())}.")
        out.append(x[keep].mean(0))
    return torch.stack(out)


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


def nearest_mean(images: Tensor, means: Tensor, metric: str = "l1",
                 classes: Sequence[int] | None = None) -> tuple[Tensor, Tensor]:
    """Classify each image as the class of its nearest mean digit. Used in notebook 02.

    Returns `(preds [N], dists [N, C])`. `classes` names the class of each mean (default
    0..C-1), so with means of 3 and 7 pass `classes=[3, 7]`.

    >>> means = torch.stack([torch.zeros(2, 2), torch.ones(2, 2)])
    >>> nearest_mean(torch.full((1, 2, 2), 0.9), means, classes=[3, 7])[0].tolist()
    [7]
    """
    dists = distances_to_means(images, means, metric)
    names = torch.arange(means.shape[0]) if classes is None else torch.as_tensor(list(classes))
    if names.shape[0] != means.shape[0]:
        raise ValueError(f"classes has {names.shape[0]} names for {means.shape[0]} means; give one per mean.")
    return names[dists.argmin(dim=1)], dists


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


def margin(dists: Tensor, targets: Tensor, classes: Sequence[int] | None = None) -> Tensor:
    """How much nearer each image is to the wrong class than to its own: `[N]`.

    `dist to own class - dist to nearest class` (0 when the image is classified right,
    larger = more wrong); use it as the "loss" for `show_most_wrong`.

    >>> margin(torch.tensor([[0.25, 0.75], [0.25, 0.5]]), torch.tensor([1, 0])).tolist()
    [0.5, 0.0]
    """
    names = list(range(dists.shape[1])) if classes is None else list(classes)
    col = {c: i for i, c in enumerate(names)}
    unknown = set(targets.unique().tolist()) - set(col)
    if unknown:
        raise ValueError(f"targets hold classes {sorted(unknown)} that have no column in dists (classes {names}).")
    idx = torch.tensor([col[c] for c in targets.tolist()])
    own = dists[torch.arange(dists.shape[0]), idx]
    return (own - dists.min(dim=1).values).clamp(min=0)
