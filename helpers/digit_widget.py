"""Notebook 02's digit explorer: any image against every mean digit, picked with a slider.

`digit_explorer(x, y, means)` is a thin widget over `plot_digit_distances`, which draws
one image, where it differs from its nearest mean digit, and its distance to each mean.
The distances are `helpers.similarity.distances_to_means`, the same ones the lesson
computes for the whole test set.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from typing import Any

import ipywidgets as widgets
import torch
from torch import Tensor

from helpers.similarity import distances_to_means, to_float
from helpers._course.widgets import LessonWidget, bold, figure_to_png, new_figure, summary_and_plot


def plot_digit_distances(img: Tensor, means: Tensor, classes: Sequence[Any] | None = None, label: Any = None,
                         figsize: tuple[float, float] = (10, 3)):
    """One image [H, W] as a heatmap, |image - nearest mean|, and a bar of its distance to each mean [C, H, W].

    Used in notebook 02 (behind `digit_explorer`).

    >>> means = torch.stack([torch.zeros(28, 28), torch.ones(28, 28)])
    >>> fig = plot_digit_distances(torch.zeros(28, 28), means, classes=[3, 7])
    >>> fig.axes[2].get_title()
    'nearest mean: 3'
    """
    x = to_float(img)
    if x.ndim != 2:
        raise ValueError(f"img must be one image [H, W], got shape {list(x.shape)}; pick one with x[i].")
    m = to_float(means)
    d = distances_to_means(x[None], m)[0]
    classes = list(range(len(m))) if classes is None else list(classes)
    best = int(d.argmin())
    fig = new_figure(figsize)
    ax0, ax1, ax2 = fig.subplots(1, 3, width_ratios=[1, 1, 2])
    im = ax0.imshow(x.numpy(), cmap="Greys", vmin=0, vmax=1)
    fig.colorbar(im, ax=ax0, fraction=0.046, pad=0.04)
    ax0.set_title("this image" + (f" (label {label})" if label is not None else ""), fontsize=9)
    ax1.imshow((x - m[best]).abs().numpy(), cmap="Reds", vmin=0, vmax=1)
    ax1.set_title(f"|image - mean {classes[best]}|", fontsize=9)
    for ax in (ax0, ax1):
        ax.set_xticks([])
        ax.set_yticks([])
    colors = ["tab:green" if i == best else "tab:gray" for i in range(len(classes))]
    ax2.bar([str(c) for c in classes], d.numpy(), color=colors)
    ax2.set_xlabel("mean digit")
    ax2.set_ylabel("distance (L1)")
    ax2.set_title(f"nearest mean: {classes[best]}", fontsize=9)
    return fig


def digit_explorer(x: Tensor, y: Any, means: Tensor, classes: Sequence[Any] | None = None,
                   index: int = 0) -> LessonWidget:
    """Pick any image of `x` with a slider and see its heatmap and distance to every mean digit.

    Taught in notebook 02. `x` [N, 28, 28] (uint8 or floats 0..1), `y` [N] labels,
    `means` [C, 28, 28]; `classes` names the class of each mean (default 0..C-1; for
    3s and 7s pass [3, 7]).

    >>> x, y = torch.zeros(3, 28, 28, dtype=torch.uint8), torch.tensor([3, 7, 7])
    >>> w = digit_explorer(x, y, torch.stack([torch.zeros(28, 28), torch.ones(28, 28)]), classes=[3, 7])
    >>> w
    A slider to compare any image with the mean digits (a widget: run this cell in Jupyter or Colab to use it).
    >>> w.summary.value.split("<br>")[0]
    '<b>image 0: label 3, nearest mean 3 (right)</b>'
    """
    if not isinstance(x, Tensor) or x.ndim != 3:
        got = list(x.shape) if isinstance(x, Tensor) else type(x).__name__
        raise ValueError(f"x must be a tensor of images [N, H, W], got {got} (torch.as_tensor turns an array into one).")
    to_float(x[:1])  # uint8 or floats, or a clear error
    m = to_float(means)
    y = torch.as_tensor(y)
    if y.shape[0] != x.shape[0]:
        raise ValueError(f"y must have one label per image: x has {x.shape[0]}, y has {y.shape[0]}.")
    classes = list(range(len(m))) if classes is None else list(classes)
    if len(classes) != len(m):
        raise ValueError(f"classes has {len(classes)} names for {len(m)} means; give one per mean.")
    distances_to_means(x[:1], m)  # shape check up front

    slider = widgets.IntSlider(value=index, min=0, max=len(x) - 1, description="image #",
                               continuous_update=False, layout=widgets.Layout(width="500px"))
    text, image = summary_and_plot("digit")

    def update(*_: Any) -> None:
        i = slider.value
        d = distances_to_means(x[i:i + 1], m)[0]
        best = int(d.argmin())
        label = y[i].item()
        right = "right" if classes[best] == label else "wrong"
        image.value = figure_to_png(plot_digit_distances(x[i], m, classes, label))
        dist = ", ".join(f"{c}: {v:.3f}" for c, v in zip(classes, d.tolist()))
        text.value = (bold(f"image {i}: label {label}, nearest mean {classes[best]} ({right})")
                      + f"<br><span style='font-size:85%'>distances: {html.escape(dist)}</span>")

    slider.observe(update, names="value")
    update()
    return LessonWidget([slider, text, image], "A slider to compare any image with the mean digits",
                        update, text, image)
