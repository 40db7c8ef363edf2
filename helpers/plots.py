"""Pictures of digits and of results: pixel heatmaps, image grids, confusion matrices.

* `pixel_heatmap(img, crop)`: the pixel values of one image in a table, each cell shaded
  by its value (a pandas Styler), so you can see the digit in the numbers;
* `show_images(images, titles)`: a grid of digits;
* `class_counts(train=y, test=yt)` and `plot_class_counts(...)`: how many images per class;
* `confusion_matrix(preds, targets)` and `plot_confusion_matrix(preds, targets)`;
* `most_wrong(preds, targets, losses)` and `show_most_wrong(images, preds, targets, losses)`:
  the misclassified images the model was most sure about.

In a notebook, end a plotting line with `;` (as fastbook does): the functions return the
Figure or Axes, which Jupyter would otherwise show a second time (or print as text).

>>> x, y = load_mnist("sample", "train")                          # doctest: +SKIP
>>> pixel_heatmap(x[0], crop=(slice(4, 15), slice(4, 22)))        # doctest: +SKIP
>>> show_images(x[:8], titles=y[:8].tolist(), ncols=8);           # doctest: +SKIP
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
import torch
from torch import Tensor

Crop = tuple[slice | range, slice | range]


# ------------------------------------------------------------------ conversions


def _to_numpy(x: Any, what: str = "image") -> np.ndarray:
    """A tensor, NumPy array, PIL image or nested list as a NumPy array (on the CPU)."""
    if isinstance(x, Tensor):
        return x.detach().cpu().numpy()
    if isinstance(x, np.ndarray):
        return x
    if hasattr(x, "mode") and hasattr(x, "size") and hasattr(x, "getdata"):  # a PIL image
        return np.asarray(x)
    try:
        return np.asarray(x)
    except Exception as e:  # noqa: BLE001
        raise ValueError(f"{what} must be a tensor, a NumPy array or a PIL image, got {type(x).__name__}.") from e


def _to_long(x: Any, name: str) -> Tensor:
    """Class indices as a 1-d int64 tensor; [N, C] scores become their argmax."""
    t = x if isinstance(x, Tensor) else torch.as_tensor(np.asarray(x))
    t = t.detach().cpu()
    if t.ndim == 2 and t.shape[1] > 1:
        t = t.argmax(dim=1)
    elif t.ndim == 2 and t.shape[1] == 1:
        t = t[:, 0]
    if t.ndim != 1:
        raise ValueError(f"{name} must be class indices of shape [N] (or scores [N, C]), got shape {list(t.shape)}.")
    if t.dtype.is_floating_point:
        if not torch.equal(t, t.round()):
            raise ValueError(f"{name} must be whole class indices, got fractions: "
                             "pass predicted classes (e.g. scores.argmax(dim=1)), not probabilities.")
    return t.long()


# ------------------------------------------------------------------ pixel heatmap


def _crop_to_slices(crop: Crop | None) -> tuple[slice, slice]:
    if crop is None:
        return slice(None), slice(None)
    if not isinstance(crop, (tuple, list)) or len(crop) != 2:
        raise ValueError("crop must be a pair (rows, cols), each a slice or a range, "
                         f"e.g. (slice(4, 15), slice(4, 22)) or (range(4, 15), range(4, 22)); got {crop!r}.")
    out = []
    for part, axis in zip(crop, ("rows", "cols")):
        if isinstance(part, range):
            if part.step != 1:
                raise ValueError(f"crop {axis} must be a range with step 1, got {part!r}.")
            part = slice(part.start, part.stop)
        if not isinstance(part, slice):
            raise ValueError(f"crop {axis} must be a slice or a range, e.g. slice(4, 15), got {part!r}.")
        if part.step not in (None, 1):
            raise ValueError(f"crop {axis} must not skip pixels (step 1), got {part!r}.")
        out.append(part)
    return out[0], out[1]


def pixel_heatmap(img: Any, crop: Crop | None = None, cmap: str = "Greys", font_size: str = "6pt"):
    """The pixel values of one image as a table, each cell shaded by its value.

    `img` is one grey image `[H, W]` (tensor, NumPy array or PIL image), as integers
    0..255 or floats 0..1. `crop=(rows, cols)` shows only part of it: each of rows and
    cols is a `slice` or a `range`, e.g. `(slice(4, 15), slice(4, 22))` shows rows 4 to 14
    and columns 4 to 21. Row and column labels are the real pixel coordinates, so
    `df.loc[r, c]` names pixel `img[r, c]`. Returns a pandas `Styler`: Jupyter shows it
    as a table; `.data` is the DataFrame behind it.

    >>> styler = pixel_heatmap(torch.arange(16).reshape(4, 4), crop=(slice(1, 3), range(0, 2)))
    >>> styler.data.values.tolist(), list(styler.data.index), list(styler.data.columns)
    ([[4, 5], [8, 9]], [1, 2], [0, 1])
    """
    arr = _to_numpy(img)
    if arr.ndim == 3 and 1 in (arr.shape[0], arr.shape[-1]) and 1 not in arr.shape[1:-1]:
        hint = " It has a channel axis of size 1: drop it with img.squeeze()."
    elif arr.ndim == 3:
        hint = " It looks like a stack of images: pick one, e.g. img[0]."
    else:
        hint = ""
    if arr.ndim != 2:
        raise ValueError(f"pixel_heatmap expects one image of shape [H, W], got shape {list(arr.shape)}.{hint}")
    if arr.dtype == bool or not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)):
        raise ValueError(f"pixel_heatmap expects numbers (uint8 0..255 or floats 0..1), got dtype {arr.dtype}.")
    rows, cols = _crop_to_slices(crop)
    r_idx, c_idx = np.arange(arr.shape[0])[rows], np.arange(arr.shape[1])[cols]
    if len(r_idx) == 0 or len(c_idx) == 0:
        raise ValueError(f"crop {crop!r} selects no pixels of an image of shape {list(arr.shape)}.")
    df = pd.DataFrame(arr[rows, cols], index=r_idx, columns=c_idx)
    # A fixed table id (from the pixels and the crop), so the HTML is the same on every run
    # and two heatmaps in one notebook never share CSS ids.
    uid = hashlib.md5(arr.tobytes() + str(arr.dtype).encode() + repr((r_idx[0], r_idx[-1], c_idx[0], c_idx[-1])).encode())
    styler = df.style.set_uuid(f"px{uid.hexdigest()[:10]}").set_properties(**{"font-size": font_size})
    if np.issubdtype(arr.dtype, np.floating):
        styler = styler.format(precision=2)
        vmin, vmax = 0.0, max(1.0, float(np.nanmax(arr)))
    else:
        vmin, vmax = 0, max(255, int(arr.max()))
    # Shade against the full range (0 = white, 255 or 1.0 = black), not the crop's own range.
    return styler.background_gradient(cmap=cmap, axis=None, vmin=vmin, vmax=vmax)


# ------------------------------------------------------------------ image grids


def _image_list(images: Any) -> list[np.ndarray]:
    """Images as a list of 2-d arrays: from [N, H, W], [N, 1, H, W] or a list of [H, W]."""
    if isinstance(images, (Tensor, np.ndarray)):
        arr = _to_numpy(images, "images")
        if arr.ndim == 4 and arr.shape[1] == 1:
            arr = arr[:, 0]
        if arr.ndim == 2:
            raise ValueError(f"images must be a batch [N, H, W], got one image of shape {list(arr.shape)}: "
                             "wrap it in a list, [img], or use img[None].")
        if arr.ndim != 3:
            raise ValueError(f"images must have shape [N, H, W] (or [N, 1, H, W]), got {list(arr.shape)}.")
        return list(arr)
    if isinstance(images, Sequence) or hasattr(images, "__iter__"):
        out = []
        for i, im in enumerate(images):
            a = _to_numpy(im, f"images[{i}]")
            if a.ndim == 3 and a.shape[0] == 1:
                a = a[0]
            if a.ndim != 2:
                raise ValueError(f"images[{i}] must be one image [H, W], got shape {list(a.shape)}.")
            out.append(a)
        return out
    raise ValueError(f"images must be a tensor [N, H, W] or a list of images, got {type(images).__name__}.")


def show_images(
    images: Any,
    titles: Sequence[Any] | None = None,
    ncols: int = 8,
    cmap: str = "Greys",
    size: float = 1.2,
    suptitle: str | None = None,
):
    """Show images in a grid, `ncols` per row, each with an optional title.

    `images`: a tensor or array `[N, H, W]` (or `[N, 1, H, W]`), or a list of `[H, W]`
    images. `titles`: one per image (anything `str()` can print). `size` is each image's
    width in inches. Returns the matplotlib Figure (end the line with `;` in a notebook).

    >>> fig = show_images(torch.rand(6, 28, 28), titles=list("abcdef"), ncols=3)
    >>> len(fig.axes), fig.axes[0].get_title()
    (6, 'a')
    """
    import matplotlib.pyplot as plt

    ims = _image_list(images)
    if not ims:
        raise ValueError("show_images got no images to show.")
    if isinstance(ncols, bool) or not isinstance(ncols, (int, np.integer)) or ncols < 1:
        raise ValueError(f"ncols must be a whole number >= 1, got {ncols!r}.")
    titles = list(titles) if titles is not None else None
    if titles is not None and len(titles) != len(ims):
        raise ValueError(f"titles must have one entry per image: got {len(titles)} titles for {len(ims)} images.")
    ncols = min(int(ncols), len(ims))
    nrows = -(-len(ims) // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(size * ncols, size * nrows * (1.25 if titles else 1.0)),
                             squeeze=False)
    for i, ax in enumerate(axes.flat):
        if i < len(ims):
            vmax = 1.0 if np.issubdtype(ims[i].dtype, np.floating) and ims[i].max() <= 1.0 else None
            ax.imshow(ims[i], cmap=cmap, vmin=0 if vmax else None, vmax=vmax)
            if titles is not None:
                ax.set_title(str(titles[i]), fontsize=9)
            ax.set_xticks([])
            ax.set_yticks([])
        else:
            fig.delaxes(ax)
    if suptitle:
        fig.suptitle(suptitle)
    fig.tight_layout()
    return fig


# ------------------------------------------------------------------ class counts


def class_counts(**labels: Any) -> pd.DataFrame:
    """How many items of each class each split holds, as a table (one column per split).

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
        t = _to_long(y, name)
        cols[name] = pd.Series(t.numpy()).value_counts()
    df = pd.DataFrame(cols).fillna(0).astype("int64").sort_index()
    df.index.name = "class"
    return df


def plot_class_counts(counts: pd.DataFrame | pd.Series, ax: Any = None, title: str | None = "Images per class",
                      figsize: tuple[float, float] = (8, 3)):
    """Bar chart of `class_counts(...)` (one bar per class and split). Returns the Axes.

    >>> ax = plot_class_counts(class_counts(train=torch.tensor([0, 1, 1])))
    >>> [round(p.get_height()) for p in ax.patches]
    [1, 2]
    """
    import matplotlib.pyplot as plt

    if isinstance(counts, pd.Series):
        counts = counts.to_frame(counts.name or "count")
    if not isinstance(counts, pd.DataFrame) or counts.empty:
        raise ValueError("plot_class_counts expects the table from class_counts(train=..., test=...).")
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    counts.plot.bar(ax=ax, rot=0, width=0.8)
    ax.set_xlabel(counts.index.name or "class")
    ax.set_ylabel("images")
    if title:
        ax.set_title(title)
    if counts.shape[1] == 1 and ax.get_legend() is not None:
        ax.get_legend().remove()
    elif counts.shape[1] > 1:  # legend in a row above the bars, never over them
        ax.set_ylim(0, float(counts.to_numpy().max()) * 1.25)
        ax.legend(loc="upper center", ncols=counts.shape[1], frameon=False)
    ax.grid(axis="y", alpha=0.3)
    return ax


# ------------------------------------------------------------------ confusion matrix


def confusion_matrix(preds: Any, targets: Any, n_classes: int | None = None) -> Tensor:
    """Counts `[n_classes, n_classes]`: row = true class, column = predicted class.

    `preds` are predicted classes `[N]` (or scores `[N, C]`, whose argmax is taken).

    >>> confusion_matrix(torch.tensor([0, 1, 1]), torch.tensor([0, 1, 0])).tolist()
    [[1, 1], [0, 1]]
    """
    p, t = _to_long(preds, "preds"), _to_long(targets, "targets")
    if p.shape[0] != t.shape[0]:
        raise ValueError(f"preds and targets must hold the same number of items, got {p.shape[0]} and {t.shape[0]}.")
    if p.numel() and min(p.min().item(), t.min().item()) < 0:
        raise ValueError("preds and targets must be class indices >= 0.")
    top = int(max(p.max().item(), t.max().item())) + 1 if p.numel() else 0
    n = top if n_classes is None else int(n_classes)
    if n < top:
        raise ValueError(f"n_classes={n_classes} is too small: the data holds class {top - 1}.")
    return torch.bincount(t * n + p, minlength=n * n).reshape(n, n)


def plot_confusion_matrix(
    preds: Any,
    targets: Any,
    labels: Sequence[Any] | None = None,
    normalize: bool = False,
    ax: Any = None,
    title: str | None = None,
    cmap: str = "Blues",
    figsize: tuple[float, float] = (5, 4.5),
):
    """Plot the confusion matrix of `preds` against `targets`, with counts in each cell.

    Rows are the true classes, columns the predicted ones; the diagonal holds the correct
    answers. `labels` names the classes (default 0, 1, ...). `normalize=True` shows each
    row as fractions of that class instead of counts. Returns the matplotlib Axes.

    >>> ax = plot_confusion_matrix(torch.tensor([3, 7, 7]), torch.tensor([3, 7, 3]))   # doctest: +SKIP
    """
    import matplotlib.pyplot as plt

    cm = confusion_matrix(preds, targets)
    present = sorted(set(_to_long(targets, "targets").tolist()) | set(_to_long(preds, "preds").tolist()))
    if labels is None:
        keep = present
        labels = [str(c) for c in keep]
    else:
        labels = [str(lab) for lab in labels]
        if len(labels) < cm.shape[0]:
            raise ValueError(f"labels has {len(labels)} names but the data holds classes up to {cm.shape[0] - 1}: "
                             "give one name per class index 0, 1, 2, ...")
        keep = list(range(len(labels)))
        cm = confusion_matrix(preds, targets, n_classes=len(labels))
    cm = cm[keep][:, keep].double()
    if normalize:
        cm = cm / cm.sum(dim=1, keepdim=True).clamp(min=1)
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    ax.imshow(cm.numpy(), cmap=cmap)
    vmax = cm.max().item() if cm.numel() else 0
    small = len(keep) <= 12
    for i in range(len(keep)):
        for j in range(len(keep)):
            v = cm[i, j].item()
            if small:
                text = f"{v:.2f}" if normalize else f"{int(v)}"
                ax.text(j, i, text, ha="center", va="center", fontsize=8,
                        color="white" if v > vmax / 2 else "black")
    ax.set_xticks(range(len(keep)), labels)
    ax.set_yticks(range(len(keep)), labels)
    ax.set_xlabel("predicted")
    ax.set_ylabel("actual")
    ax.set_title(title or ("Confusion matrix (fraction of each row)" if normalize else "Confusion matrix"))
    return ax


# ------------------------------------------------------------------ the worst mistakes


def most_wrong(preds: Any, targets: Any, losses: Any, k: int = 10) -> Tensor:
    """Indices of the `k` misclassified items with the highest `losses`, worst first.

    `losses [N]` says how wrong each item is (a per-item loss, or how much closer the
    image is to the wrong class than to the right one: any "higher is worse" score).

    >>> most_wrong(torch.tensor([1, 0, 1, 1]), torch.tensor([0, 0, 0, 1]), torch.tensor([0.5, 0.1, 2.0, 9.0])).tolist()
    [2, 0]
    """
    p, t = _to_long(preds, "preds"), _to_long(targets, "targets")
    loss = losses.detach().cpu() if isinstance(losses, Tensor) else torch.as_tensor(np.asarray(losses))
    if loss.ndim != 1:
        raise ValueError(f"losses must be one number per item, shape [N], got {list(loss.shape)}.")
    if not (p.shape[0] == t.shape[0] == loss.shape[0]):
        raise ValueError(f"preds, targets and losses must have the same length, got {p.shape[0]}, "
                         f"{t.shape[0]} and {loss.shape[0]}.")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a whole number >= 1, got {k!r}.")
    wrong = (p != t).nonzero().flatten()
    order = loss[wrong].double().argsort(descending=True, stable=True)
    return wrong[order[:k]]


def show_most_wrong(
    images: Any,
    preds: Any,
    targets: Any,
    losses: Any,
    k: int = 10,
    ncols: int = 10,
    labels: Sequence[Any] | None = None,
    loss_name: str = "loss",
):
    """Show the `k` misclassified images with the highest `losses` (see `most_wrong`).

    Each title reads "pred/true" and the loss below it, e.g. "7/2\\nloss 0.31". `labels`
    names the classes (default: the class indices). Returns the matplotlib Figure.

    >>> show_most_wrong(x_test, preds, y_test, losses, k=10);     # doctest: +SKIP
    """
    ims = _image_list(images)
    idx = most_wrong(preds, targets, losses, k)
    if len(ims) != len(_to_long(preds, "preds")):
        raise ValueError(f"images and preds must have the same length, got {len(ims)} and {len(_to_long(preds, 'preds'))}.")
    if len(idx) == 0:
        raise ValueError("No misclassified items to show: every prediction is right.")
    p, t = _to_long(preds, "preds"), _to_long(targets, "targets")
    loss = losses if isinstance(losses, Tensor) else torch.as_tensor(np.asarray(losses))
    name = (lambda c: str(labels[c])) if labels is not None else str
    titles = [f"{name(p[i].item())}/{name(t[i].item())}\n{loss_name} {float(loss[i]):.2f}" for i in idx.tolist()]
    return show_images([ims[i] for i in idx.tolist()], titles=titles, ncols=ncols,
                       suptitle="Most wrong: predicted/actual")
