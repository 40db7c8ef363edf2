"""Training helpers: a stable cross-entropy, a small fit loop with a history, plots.

Notebook 03 writes each of these pieces by hand first (that is the lesson); later
notebooks import them from here so they can focus on the model.

>>> import torch
>>> from torch import nn
>>> from torch.utils.data import DataLoader, TensorDataset
>>> x, y = torch.randn(64, 4), torch.randint(0, 3, (64,))
>>> dl = DataLoader(TensorDataset(x, y), batch_size=16)
>>> model = nn.Linear(4, 3)
>>> hist = fit(model, dl, dl, cross_entropy, torch.optim.SGD(model.parameters(), lr=0.1), epochs=2)
>>> sorted(hist)
['epoch', 'seconds', 'train_loss', 'valid_acc', 'valid_loss']
>>> len(hist["valid_acc"])
2
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import torch
from torch import Tensor, nn

History = dict[str, list[float]]
HISTORY_KEYS = ("epoch", "train_loss", "valid_loss", "valid_acc", "seconds")


# ------------------------------------------------------------------ losses and metrics


def log_softmax(logits: Tensor) -> Tensor:
    """Log of softmax along the last axis, computed stably with the log-sum-exp trick.

    Subtracting each row's maximum first means `exp` never sees a number above 0,
    so it cannot overflow (the result is mathematically unchanged).

    >>> log_softmax(torch.tensor([[1000., 0.]])).tolist()
    [[0.0, -1000.0]]
    """
    m = logits.max(dim=-1, keepdim=True).values
    return logits - m - (logits - m).exp().sum(dim=-1, keepdim=True).log()


def cross_entropy(logits: Tensor, targets: Tensor) -> Tensor:
    """Mean cross-entropy of raw scores `logits [N, C]` against class indices `targets [N]`.

    Written by hand (log-softmax via log-sum-exp, then pick each row's target column);
    equal to `torch.nn.functional.cross_entropy` and finite even for logits of +-1000.

    >>> logits = torch.tensor([[2.0, 0.0, -1.0], [0.0, 3.0, 0.0]])
    >>> round(cross_entropy(logits, torch.tensor([0, 1])).item(), 4)
    0.1324
    """
    if not isinstance(logits, Tensor) or not isinstance(targets, Tensor):
        raise ValueError("cross_entropy expects two tensors: logits [N, C] and targets [N].")
    if logits.ndim != 2:
        raise ValueError(f"logits must have shape [N, C] (one row of C class scores per item), got {list(logits.shape)}.")
    if targets.ndim == 2 and targets.shape[1] == 1:
        raise ValueError(f"targets must have shape [N], got {list(targets.shape)}: "
                         "drop the extra axis with targets.squeeze(1) (or build labels as a 1-d tensor).")
    if targets.ndim != 1 or targets.shape[0] != logits.shape[0]:
        raise ValueError(f"targets must have shape [N] = [{logits.shape[0]}] to match logits {list(logits.shape)}, "
                         f"got {list(targets.shape)}.")
    if targets.dtype.is_floating_point or targets.dtype == torch.bool:
        raise ValueError(f"targets must be class indices of an integer dtype (int64), got {targets.dtype}: "
                         "use targets.long().")
    n, c = logits.shape
    if n and (targets.min() < 0 or targets.max() >= c):
        raise ValueError(f"targets must be class indices between 0 and {c - 1} (logits have {c} columns), "
                         f"got values from {targets.min().item()} to {targets.max().item()}.")
    return -log_softmax(logits)[torch.arange(n), targets].mean()


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

    Each step is the SGD loop: predict, loss, `backward`, `opt.step()`, `opt.zero_grad()`.
    `opt` is anything with `step()` and `zero_grad()` (a torch optimizer or your own).
    After each epoch the model is evaluated on `valid_dl` (loss and `metric`, averaged
    over items). The history holds one entry per epoch for each of: "epoch",
    "train_loss" (mean over the epoch's batches), "valid_loss", "valid_acc" and
    "seconds" (wall time of the epoch, evaluation included).

    >>> hist = fit(model, train_dl, valid_dl, cross_entropy, opt, epochs=5)  # doctest: +SKIP
    >>> hist["valid_acc"][-1]                                                # doctest: +SKIP
    0.92
    """
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 1:
        raise ValueError(f"epochs must be a whole number >= 1, got {epochs!r}.")
    if not (callable(getattr(opt, "step", None)) and callable(getattr(opt, "zero_grad", None))):
        raise ValueError("opt must have step() and zero_grad() methods, e.g. torch.optim.SGD(model.parameters(), lr=0.1).")
    if not callable(loss_fn):
        raise ValueError("loss_fn must be a function loss_fn(preds, targets) -> scalar tensor.")
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
        valid_loss, valid_acc = evaluate(model, valid_dl, loss_fn, metric, device)
        hist["epoch"].append(epoch)
        hist["train_loss"].append(sum(losses) / max(len(losses), 1))
        hist["valid_loss"].append(valid_loss)
        hist["valid_acc"].append(valid_acc)
        hist["seconds"].append(time.perf_counter() - t0)
        if verbose:
            print(f"epoch {epoch:3d}  train_loss {hist['train_loss'][-1]:.4f}  "
                  f"valid_loss {valid_loss:.4f}  valid_acc {valid_acc:.4f}")
    return hist


def evaluate(
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
    """Plot one history, or several on one axis (pass `{"label": history, ...}`).

    `key` picks the curve: "valid_acc" (default), "valid_loss" or "train_loss".
    Returns the matplotlib Axes.

    >>> plot_history({"randn init": h1, "nn.Linear init": h2})   # doctest: +SKIP
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
    """Draw the seven-step SGD loop (init, predict, loss, gradient, step, repeat, stop).

    Pure matplotlib (no graphviz): boxes left to right, an arrow back from "step"
    to "predict" labelled "repeat". Returns the matplotlib Axes.

    >>> ax = draw_sgd_loop()      # doctest: +SKIP
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
