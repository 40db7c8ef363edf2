"""The mistakes a model was most sure about, as a grid of images. Used in notebooks 02 and 05.

>>> most_wrong(torch.tensor([1, 0, 1, 1]), torch.tensor([0, 0, 0, 1]), torch.tensor([0.5, 0.1, 2.0, 9.0])).tolist()
[2, 0]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import Tensor

from helpers.similarity import to_float


def most_wrong(preds: Tensor, targets: Tensor, losses: Tensor, k: int = 10) -> Tensor:
    """Indices of the `k` misclassified items with the highest `losses`, worst first.

    `preds` and `targets` are class indices `[N]`; `losses [N]` says how wrong each item is
    (a per-item loss, or any "higher is worse" score).
    """
    preds, targets, losses = (torch.as_tensor(t).detach().cpu() for t in (preds, targets, losses))
    if not (preds.ndim == targets.ndim == losses.ndim == 1) or not (len(preds) == len(targets) == len(losses)):
        raise ValueError("preds, targets and losses must each be one value per item, shape [N], the same N; got "
                         f"{list(preds.shape)}, {list(targets.shape)} and {list(losses.shape)}. "
                         "For scores [N, C], pass scores.argmax(dim=1) as preds.")
    wrong = (preds != targets).nonzero().flatten()
    order = losses[wrong].double().argsort(descending=True, stable=True)
    return wrong[order[:k]]


def show_most_wrong(images: Tensor, preds: Tensor, targets: Tensor, losses: Tensor, k: int = 10,
                    labels: Sequence[Any] | None = None, loss_name: str = "loss"):
    """Show the `k` wrong images with the highest `losses`, titled "predicted/actual" and the loss.

    `images` is `[N, H, W]` (or `[N, 784]`, reshaped to 28x28); `labels` names the classes.
    Returns the matplotlib Figure (end the line with `;` in a notebook).

    >>> fig = show_most_wrong(torch.rand(4, 28, 28), torch.tensor([1, 0, 1, 1]), torch.tensor([0, 0, 0, 1]),
    ...                       torch.tensor([0.5, 0.1, 2.0, 9.0]))
    >>> [ax.get_title() for ax in fig.axes]
    ['1/0\\nloss 2.00', '1/0\\nloss 0.50']
    """
    import matplotlib.pyplot as plt

    images = to_float(torch.as_tensor(images).detach().cpu())
    if images.ndim == 2 and images.shape[1] == 28 * 28:
        images = images.view(-1, 28, 28)
    if images.ndim != 3 or len(images) != len(preds):
        raise ValueError(f"images must be [N, H, W] with one image per prediction ({len(preds)}), "
                         f"got {list(images.shape)}.")
    idx = most_wrong(preds, targets, losses, k).tolist()
    if not idx:
        raise ValueError("No misclassified items to show: every prediction is right.")
    name = (lambda c: str(labels[c])) if labels is not None else str
    fig, axes = plt.subplots(1, len(idx), figsize=(1.1 * len(idx), 1.6), squeeze=False)
    for ax, i in zip(axes[0], idx):
        ax.imshow(images[i].numpy(), cmap="Greys", vmin=0, vmax=1)
        ax.set_title(f"{name(int(preds[i]))}/{name(int(targets[i]))}\n{loss_name} {float(losses[i]):.2f}", fontsize=9)
        ax.axis("off")
    fig.suptitle("Most wrong: predicted/actual", y=1.0)
    fig.subplots_adjust(top=0.62)  # room between the figure's title and the two-line image titles
    return fig
