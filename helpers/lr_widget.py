"""Notebook 03's learning-rate slider: SGD on fastbook's toy quadratic, one run per slider position.

`lr_explorer()` shows the fitted curve and the loss per step for the learning rate you
pick; it is a thin widget over two plain functions, `sgd_quadratic(lr, steps)` (the run)
and `plot_sgd_run(run)` (the picture).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import ipywidgets as widgets
import numpy as np
import torch
from torch import Tensor

from helpers._course.widgets import LessonWidget, bold, figure_to_png, new_figure, summary_and_plot

DEFAULT_LRS = (1e-6, 3e-6, 1e-5, 3e-5, 1e-4, 3e-4)


def fmt_lr(lr: float) -> str:
    """A learning rate as the slider shows it.

    Used in notebook 03.

    >>> fmt_lr(3e-05)
    '3e-5'
    """
    return f"{lr:.0e}".replace("e-0", "e-")


@dataclass
class SGDRun:
    """One run of SGD on the toy quadratic: data, parameters and loss at every step.

    Used in notebook 03 (behind `lr_explorer`).

    >>> run = sgd_quadratic(1e-5)
    >>> run.diverged, run.summary()
    (False, 'lr=1e-5: the loss went from 25,824 to 677 in 20 steps (settled).')
    """

    lr: float
    time: Tensor      # [20] inputs
    speed: Tensor     # [20] targets
    params: Tensor    # [steps+1, 3]: a, b, c of a*t**2 + b*t + c, before each step and at the end
    losses: Tensor    # [steps+1]: mean squared error for those parameters

    @property
    def diverged(self) -> bool:
        """True when the loss blew up (grew past 10x its start, or overflowed)."""
        last = self.losses[-1]
        return bool(not torch.isfinite(last) or last > 10 * self.losses[0])

    def predictions(self, step: int = -1) -> Tensor:
        """The fitted speeds [20] for the parameters before `step` (default: at the end)."""
        a, b, c = self.params[step]
        return a * self.time ** 2 + b * self.time + c

    def summary(self) -> str:
        """One sentence: where the loss went, and whether it settled, crawled or diverged."""
        start, end = self.losses[0].item(), self.losses[-1].item()
        if self.diverged:
            return (f"lr={fmt_lr(self.lr)}: the loss went from {start:,.0f} to "
                    f"{'infinity' if not np.isfinite(end) else f'{end:,.3g}'}: it diverged, each step overshoots "
                    f"further. Try a smaller learning rate.")
        falling = len(self.losses) > 1 and self.losses[-2].item() - end > 0.01 * end
        verdict = "still falling fast: a larger learning rate would get there sooner" if falling else "settled"
        return f"lr={fmt_lr(self.lr)}: the loss went from {start:,.0f} to {end:,.0f} in {len(self.losses) - 1} steps ({verdict})."


def sgd_quadratic(lr: float, steps: int = 20, seed: int = 42) -> SGDRun:
    """Fit `a*t**2 + b*t + c` to fastbook's noisy roller-coaster speeds with `steps` steps of SGD.

    The data and the starting parameters come from a private generator seeded with
    `seed`, so every learning rate starts from the same place and the global random
    state is left alone. Steps stop early, keeping `inf`, once the loss overflows.
    Used in notebook 03 (behind `lr_explorer`).

    >>> run = sgd_quadratic(1e-5, steps=10)
    >>> run.params.shape, run.losses.shape
    (torch.Size([11, 3]), torch.Size([11]))
    >>> bool(run.losses[-1] < run.losses[0])
    True
    """
    if not (isinstance(lr, (int, float)) and lr > 0 and np.isfinite(lr)):
        raise ValueError(f"lr must be a positive number such as 1e-5, got {lr!r}.")
    if not (isinstance(steps, int) and steps >= 1):
        raise ValueError(f"steps must be a whole number >= 1, got {steps!r}.")
    g = torch.Generator().manual_seed(seed)
    time = torch.arange(0, 20).float()
    speed = torch.randn(20, generator=g) * 3 + 0.75 * (time - 9.5) ** 2 + 1
    params = torch.randn(3, generator=g).requires_grad_()
    history, losses = [], []
    with torch.enable_grad():
        for _ in range(steps + 1):
            a, b, c = params
            loss = ((a * time ** 2 + b * time + c - speed) ** 2).mean()
            history.append(params.detach().clone())
            losses.append(loss.detach().clone())
            if len(losses) == steps + 1:
                break
            if not torch.isfinite(loss):
                losses[-1] = torch.tensor(float("inf"))
                break
            loss.backward()
            with torch.no_grad():
                params -= lr * params.grad
                params.grad = None
    while len(losses) < steps + 1:  # diverged: pad with inf, keep the last finite parameters
        history.append(history[-1])
        losses.append(torch.tensor(float("inf")))
    return SGDRun(lr=float(lr), time=time, speed=speed, params=torch.stack(history), losses=torch.stack(losses))


def plot_sgd_run(run: SGDRun, figsize: tuple[float, float] = (9, 3.2)):
    """Left: the data and the fitted curve after each step (darker = later). Right: loss per step.

    Used in notebook 03 (behind `lr_explorer`).

    >>> fig = plot_sgd_run(sgd_quadratic(3e-4))
    >>> [ax.get_title() for ax in fig.axes]
    ['fit, lr=3e-4', 'diverged']
    """
    fig = new_figure(figsize)
    ax1, ax2 = fig.subplots(1, 2)
    ax1.scatter(run.time.numpy(), run.speed.numpy(), s=14, color="black", label="data", zorder=3)
    steps = run.params.shape[0]
    shown = sorted({0, steps // 4, steps // 2, 3 * steps // 4, steps - 1})
    for k, i in enumerate(shown):
        pred = run.predictions(i).clamp(-1e4, 1e4)
        ax1.plot(run.time.numpy(), pred.numpy(), color="tab:red", alpha=0.25 + 0.75 * k / max(1, len(shown) - 1),
                 label="after step %d" % i if i in (0, steps - 1) else None)
    lo, hi = float(run.speed.min()), float(run.speed.max())
    ax1.set_ylim(lo - 0.5 * (hi - lo), hi + 0.5 * (hi - lo))
    ax1.set_xlabel("time")
    ax1.set_ylabel("speed")
    ax1.set_title(f"fit, lr={fmt_lr(run.lr)}")
    ax1.legend(fontsize=7, loc="upper center")
    finite = torch.isfinite(run.losses)
    ax2.plot(torch.arange(steps)[finite].numpy(), run.losses[finite].numpy(), marker="o", ms=3)
    if not finite.all():
        ax2.axvline(int((~finite).nonzero()[0]), color="tab:red", ls="--", label="overflow")
        ax2.legend(fontsize=7)
    ax2.set_yscale("log")
    ax2.set_xlabel("step")
    ax2.set_ylabel("loss (MSE, log scale)")
    ax2.set_title("diverged" if run.diverged else "loss")
    return fig


def lr_explorer(lrs: Sequence[float] = DEFAULT_LRS, steps: int = 20, value: float = 1e-5,
                seed: int = 42) -> LessonWidget:
    """A learning-rate slider (and a steps slider) over the toy SGD example; display what it returns.

    Taught in notebook 03. `lrs` are the slider's stops, `value` the one it starts nearest to.

    >>> w = lr_explorer()
    >>> w
    A learning-rate slider over SGD on a toy problem (a widget: run this cell in Jupyter or Colab to use it).
    >>> w.summary.value
    '<b>lr=1e-5: the loss went from 25,824 to 677 in 20 steps (settled).</b>'
    """
    lrs = [float(x) for x in lrs]
    if not lrs:
        raise ValueError("lrs must hold at least one learning rate, e.g. (1e-6, 1e-5, 1e-4).")
    options = [(fmt_lr(x), x) for x in lrs]
    start = min(lrs, key=lambda x: abs(np.log(x) - np.log(value)))
    lr_slider = widgets.SelectionSlider(options=options, value=start, description="learning rate",
                                        continuous_update=False, style={"description_width": "initial"},
                                        layout=widgets.Layout(width="420px"))
    step_slider = widgets.IntSlider(value=steps, min=1, max=max(60, steps), description="steps",
                                    continuous_update=False, layout=widgets.Layout(width="420px"))
    text, image = summary_and_plot("lr")

    def update(*_: Any) -> None:
        run = sgd_quadratic(lr_slider.value, step_slider.value, seed)
        image.value = figure_to_png(plot_sgd_run(run))
        text.value = bold(run.summary())

    lr_slider.observe(update, names="value")
    step_slider.observe(update, names="value")
    update()
    return LessonWidget([widgets.HBox([lr_slider, step_slider]), text, image],
                        "A learning-rate slider over SGD on a toy problem", update, text, image)
