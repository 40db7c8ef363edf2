"""Notebook 03 (SGD from scratch): the data loader, the training loop, its history, and pictures of it.

Notebook 03 writes them by hand (that is the lesson); notebooks 04 and 05 reuse these copies,
`BasicDataLoader` and `fit`, so they can focus on the loss and the model.

>>> from torch.utils.data import DataLoader, TensorDataset
>>> _ = torch.manual_seed(0)
>>> x, y = torch.randn(64, 4), torch.randint(0, 3, (64,))
>>> dl = DataLoader(TensorDataset(x, y), batch_size=16)
>>> model = nn.Linear(4, 3)
>>> hist = fit(model, dl, dl, nn.functional.cross_entropy, torch.optim.SGD(model.parameters(), lr=0.1), epochs=2)
>>> sorted(hist), len(hist["valid_acc"])
(['epoch', 'seconds', 'train_loss', 'valid_acc', 'valid_loss'], 2)
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any

import torch
from torch import Tensor, nn

History = dict[str, list[float]]
HISTORY_KEYS = ("epoch", "train_loss", "valid_loss", "valid_acc", "seconds")


# ------------------------------------------------------------------ the metric


def accuracy(preds: Tensor, targets: Tensor) -> Tensor:
    """Fraction of correct predictions.

    `preds [N, C]`: the class is the `argmax` of each row, compared with `targets [N]`.
    `preds [N]` or `[N, 1]` (one raw score, as for 3 vs 7): the guess is "1" when
    `sigmoid(pred) > 0.5`, compared with 0/1 targets.

    >>> accuracy(torch.tensor([[0.1, 0.9], [0.8, 0.2]]), torch.tensor([1, 1])).item()
    0.5
    >>> accuracy(torch.tensor([2.0, -1.0]), torch.tensor([1, 0])).item()
    1.0
    """
    if preds.ndim == 2 and preds.shape[1] > 1:
        if targets.ndim != 1:
            raise ValueError(f"targets must have shape [N] for class scores {list(preds.shape)}, "
                             f"got {list(targets.shape)}: try targets.squeeze(1).")
        guess = preds.argmax(dim=1)
    else:
        guess = (preds.sigmoid() > 0.5).long().reshape(-1)
        targets = targets.reshape(-1)
    if guess.shape[0] != targets.shape[0]:
        raise ValueError(f"preds and targets hold {guess.shape[0]} and {targets.shape[0]} items; they must match.")
    return (guess == targets.long()).float().mean()


# ------------------------------------------------------------------ the data loader


class BasicDataLoader:
    """Mini-batches `(x, y)` of `bs` items, in a new random order each epoch if `shuffle`, else in order.
    Written by hand in notebook 03; notebook 04 uses this copy of it.

    >>> dl = BasicDataLoader(torch.arange(10), torch.arange(10) * 10, bs=4)
    >>> len(dl), [xb.tolist() for xb, yb in dl]
    (3, [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]])
    """

    def __init__(self, x: Tensor, y: Tensor, bs: int = 256, shuffle: bool = False) -> None:
        if len(x) != len(y):
            raise ValueError(f"x and y must hold the same number of items, got {len(x)} and {len(y)}.")
        self.x, self.y, self.bs, self.shuffle = x, y, bs, shuffle

    def __iter__(self) -> Iterator[tuple[Tensor, Tensor]]:
        order = torch.randperm(len(self.x)) if self.shuffle else torch.arange(len(self.x))
        for i in range(0, len(self.x), self.bs):
            idx = order[i:i + self.bs]
            yield self.x[idx], self.y[idx]

    def __len__(self) -> int:
        return math.ceil(len(self.x) / self.bs)


# ------------------------------------------------------------------ the training loop


def fit(
    model: nn.Module | Callable[[Tensor], Tensor],
    train_dl: Iterable,
    valid_dl: Iterable,
    loss_fn: Callable[[Tensor, Tensor], Tensor],
    opt: Any,
    epochs: int,
    metric: Callable[[Tensor, Tensor], Tensor | float] = accuracy,
    device: torch.device | str | None = None,
    verbose: bool = False,
) -> History:
    """Train `model` for `epochs` passes over `train_dl` and return the history.

    Notebook 03 writes this loop by hand (`train_epoch`, `BasicLearner.fit`); notebooks 04 and 05 call this copy.

    Each step is the SGD loop: predict, loss, `backward`, `opt.step()`, `opt.zero_grad()`.
    `opt` is anything with `step()` and `zero_grad()` (a torch optimizer or your own).
    After each epoch the model is evaluated on `valid_dl` (loss and `metric`, averaged
    over items). The history holds one entry per epoch for each of: "epoch",
    "train_loss" (mean over the epoch's batches), "valid_loss", "valid_acc" and
    "seconds" (wall time of the epoch, evaluation included).

    Batches are moved to `device`; by default, the device of the model's parameters (for a
    model written as a plain function, pass `device`). A model whose parameters sit on
    another device than `device` is an error, not a silent slowdown:

    >>> fit(nn.Linear(4, 3), [], [], nn.functional.cross_entropy, torch.optim.SGD(nn.Linear(1, 1).parameters()), 1,
    ...     device="meta")
    Traceback (most recent call last):
    ...
    ValueError: the model's parameters are on cpu but device is meta: move the model first, model.to(device).
    """
    if not (callable(getattr(opt, "step", None)) and callable(getattr(opt, "zero_grad", None))):  # e.g. the params
        raise ValueError("opt must have step() and zero_grad() methods, e.g. torch.optim.SGD(model.parameters(), lr=0.1).")
    device = _check_device(model, device)
    hist: History = {k: [] for k in HISTORY_KEYS}
    for epoch in range(1, epochs + 1):
        t0 = time.perf_counter()
        _set_mode(model, train=True)
        losses = []
        for xb, yb in train_dl:
            xb, yb = _to(xb, device), _to(yb, device)
            loss = loss_fn(model(xb), yb)
            if not isinstance(loss, Tensor) or loss.numel() != 1:
                raise ValueError("loss_fn must return a single number (a scalar tensor): "
                                 "take the .mean() of the per-item losses.")
            loss.backward()
            opt.step()
            opt.zero_grad()
            losses.append(loss.item())
        valid_loss, valid_acc = validate_epoch(model, valid_dl, loss_fn, metric, device)
        hist["epoch"].append(epoch)
        hist["train_loss"].append(sum(losses) / max(len(losses), 1))
        hist["valid_loss"].append(valid_loss)
        hist["valid_acc"].append(valid_acc)
        hist["seconds"].append(time.perf_counter() - t0)
        if verbose:
            print(f"epoch {epoch:3d}  train_loss {hist['train_loss'][-1]:.4f}  "
                  f"valid_loss {valid_loss:.4f}  valid_acc {valid_acc:.4f}")
    return hist


def validate_epoch(
    model: nn.Module | Callable[[Tensor], Tensor],
    dl: Iterable,
    loss_fn: Callable[[Tensor, Tensor], Tensor],
    metric: Callable[[Tensor, Tensor], Tensor | float] = accuracy,
    device: torch.device | str | None = None,
) -> tuple[float, float]:
    """Mean loss and mean metric of `model` over every item of `dl` (no gradients)."""
    _set_mode(model, train=False)
    total_loss = total_metric = 0.0
    count = 0
    with torch.no_grad():
        for xb, yb in dl:
            xb, yb = _to(xb, device), _to(yb, device)
            preds = model(xb)
            n = len(yb)
            total_loss += float(loss_fn(preds, yb)) * n
            total_metric += float(metric(preds, yb)) * n
            count += n
    if count == 0:
        raise ValueError("The validation DataLoader is empty: give it at least one batch.")
    return total_loss / count, total_metric / count


def _check_device(model: Any, device: torch.device | str | None) -> torch.device | None:
    """The device to train on: `device`, or the model's own; an error if the two disagree."""
    params = list(model.parameters()) if isinstance(model, nn.Module) else []
    if not params:
        return None if device is None else torch.device(device)
    have = params[0].device
    if device is None:
        return have
    device = torch.device(device)
    if have.type != device.type:
        raise ValueError(f"the model's parameters are on {have.type} but device is {device.type}: "
                         "move the model first, model.to(device).")
    return device


def _to(x: Tensor, device: torch.device | str | None) -> Tensor:
    return x if device is None else x.to(device)


def _set_mode(model: Any, train: bool) -> None:
    if isinstance(model, nn.Module):
        model.train(train)


# ------------------------------------------------------------------ plots


def plot_history(
    histories: History | Mapping[str, History],
    key: str = "valid_acc",
    ax: Any = None,
    title: str | None = None,
    figsize: tuple[float, float] = (6, 3),
):
    """Plot one history from `fit`, or several on one axis (`{"label": history, ...}`). Used in notebook 03.

    `key` picks the curve: "valid_acc" (default), "valid_loss" or "train_loss".
    Returns the matplotlib Axes.

    >>> h1 = {"epoch": [1, 2], "valid_acc": [0.8, 0.9]}
    >>> ax = plot_history({"randn init": h1, "nn.Linear init": {"epoch": [1, 2], "valid_acc": [0.85, 0.92]}})
    >>> [t.get_text() for t in ax.get_legend().get_texts()], ax.get_ylabel()
    (['randn init', 'nn.Linear init'], 'validation accuracy')
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    if isinstance(histories, Mapping) and "epoch" in histories and not isinstance(histories["epoch"], Mapping):
        runs: dict[str, Any] = {"": histories}
    elif isinstance(histories, Mapping):
        runs = dict(histories)
    else:
        raise ValueError("plot_history expects a history from fit() or a dict {label: history}.")
    if not runs:
        raise ValueError("plot_history got no histories to plot.")
    for label, h in runs.items():
        if not isinstance(h, Mapping) or key not in h:
            keys = list(h) if isinstance(h, Mapping) else type(h).__name__
            raise ValueError(f"history {label!r} has no {key!r}; it has {keys}.")
    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    for label, h in runs.items():
        ys = list(h[key])
        xs = list(h.get("epoch", range(1, len(ys) + 1)))
        ax.plot(xs, ys, marker="o" if len(ys) <= 30 else None, markersize=3, label=label or None)
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("epoch")
    ax.set_ylabel({"valid_acc": "validation accuracy", "valid_loss": "validation loss",
                   "train_loss": "training loss"}.get(key, key))
    if title:
        ax.set_title(title)
    ax.grid(alpha=0.3)
    if any(runs):
        ax.legend()
    return ax


SGD_STEPS: Sequence[str] = ("init", "predict", "loss", "gradient", "step", "stop?")


def draw_sgd_loop(ax: Any = None, figsize: tuple[float, float] = (9, 2.4)):
    """Draw the seven-step SGD loop (init, predict, loss, gradient, step, repeat, stop). Used in notebook 03.

    Pure matplotlib (no graphviz): boxes left to right, an arrow back from "step"
    to "predict" labelled "repeat". Returns the matplotlib Axes.

    >>> [t.get_text() for t in draw_sgd_loop().texts][:3]
    ['init', 'predict', 'loss']
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyBboxPatch

    if ax is None:
        _, ax = plt.subplots(figsize=figsize)
    xs = [0.5 + 1.6 * i for i in range(len(SGD_STEPS))]
    y, w, h = 1.0, 1.1, 0.55
    for x, name in zip(xs, SGD_STEPS):
        ax.add_patch(FancyBboxPatch((x - w / 2, y - h / 2), w, h, boxstyle="round,pad=0.05",
                                    facecolor="#dbe9f6" if name != "stop?" else "#f6e3db", edgecolor="#335"))
        ax.text(x, y, name, ha="center", va="center", fontsize=11)
    arrow = dict(arrowstyle="->", color="#335", lw=1.4)
    for a, b in zip(xs, xs[1:]):
        ax.annotate("", xy=(b - w / 2 - 0.06, y), xytext=(a + w / 2 + 0.06, y), arrowprops=arrow)
    # "repeat": from the bottom of "step" back to the bottom of "predict"
    ax.annotate("", xy=(xs[1], y - h / 2 - 0.06), xytext=(xs[4], y - h / 2 - 0.06),
                arrowprops=dict(arrow, connectionstyle="bar,fraction=-0.18"))
    ax.text((xs[1] + xs[4]) / 2, y - h / 2 - 0.55, "repeat", ha="center", va="center", fontsize=10, style="italic")
    ax.set_xlim(xs[0] - 0.8, xs[-1] + 0.8)
    ax.set_ylim(y - 1.3, y + 0.6)
    ax.set_aspect("equal")
    ax.axis("off")
    return ax
