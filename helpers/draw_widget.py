"""Notebook 05's draw-a-digit widget: draw with the mouse, see each model's probabilities.

`draw_digit({"name": predict_fn, ...})` puts a canvas (`helpers.draw_canvas`, whose
browser side is draw_canvas.js) next to the models' answers. Each time you lift the
mouse, the drawing goes through three plain functions: `center_like_mnist` (make it look
like an MNIST digit), `predict_probabilities` (ask every model) and `plot_predictions`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import ipywidgets as widgets
import torch
import torch.nn.functional as F
from torch import Tensor

from helpers.similarity import to_float
from helpers._course.widgets import LessonWidget, bold, figure_to_png, new_figure, summary_and_plot

Model = Callable[[Tensor], Any]
DRAW_PROMPT = "Draw a digit in the black square (hold the mouse button down), then let go."


def center_like_mnist(img: Tensor, box: int = 20, size: int = 28) -> Tensor:
    """Make a drawing look like an MNIST digit: floats 0..1, white on black, [size, size].

    MNIST digits were scaled to fit a 20x20 box (keeping their shape) and placed so
    their centre of mass is in the middle of the 28x28 image; this does the same to a
    drawing of any size (e.g. the 112x112 grid the canvas sends). An empty drawing
    gives zeros. Used in notebook 05 (behind `draw_digit`).

    >>> d = torch.zeros(100, 100); d[10:90, 45:55] = 1      # a tall stroke, off to one side
    >>> out = center_like_mnist(d)
    >>> out.shape, round(out.sum(0).nonzero().float().mean().item())   # centred on column ~14
    (torch.Size([28, 28]), 14)
    """
    x = to_float(img)
    if x.ndim != 2:
        raise ValueError(f"img must be one drawing [H, W], got shape {list(x.shape)}.")
    if x.numel() == 0 or x.max() <= 0.05:
        return torch.zeros(size, size)
    x = x.clamp(0, 1)
    rows = (x > 0.1 * x.max()).any(1).nonzero().flatten()
    cols = (x > 0.1 * x.max()).any(0).nonzero().flatten()
    crop = x[rows[0]:rows[-1] + 1, cols[0]:cols[-1] + 1]
    h, w = crop.shape
    scale = box / max(h, w)
    nh, nw = max(1, round(h * scale)), max(1, round(w * scale))
    small = F.interpolate(crop[None, None], size=(nh, nw), mode="bilinear", antialias=True, align_corners=False)[0, 0]
    out = torch.zeros(size, size)
    top, left = (size - nh) // 2, (size - nw) // 2
    out[top:top + nh, left:left + nw] = small
    total = out.sum()
    if total > 0:
        r = (out.sum(1) * torch.arange(size)).sum() / total
        c = (out.sum(0) * torch.arange(size)).sum() / total
        dy = int(round(size / 2 - r.item()))   # MNIST's centres of mass sit at about (14, 14)
        dx = int(round(size / 2 - c.item()))
        dy = max(-top, min(dy, size - nh - top))   # keep the digit inside the image
        dx = max(-left, min(dx, size - nw - left))
        out = torch.roll(out, shifts=(dy, dx), dims=(0, 1))
    return out.clamp(0, 1)


def predict_probabilities(img28: Tensor, models: Mapping[str, Model]) -> dict[str, Tensor]:
    """Each model's class probabilities for one image [28, 28] (floats 0..1).

    Each model is a function taking a batch `[N, 28, 28]` and returning scores `[N, C]`:
    logits (softmax is applied) or probabilities (rows of non-negative numbers summing
    to 1, kept as they are). A model that returns `[N]` or `[N, 1]` is read as one
    logit for "the second class" of a two-class task (sigmoid), e.g. 7 in 3-vs-7.
    A torch module in training mode is asked in eval mode (no dropout), then put back.
    Used in notebook 05 (behind `draw_digit`).

    >>> probs = predict_probabilities(torch.zeros(28, 28), {"zeros": lambda x: torch.zeros(len(x), 10)})
    >>> probs["zeros"].tolist()[:3]
    [0.10000000149011612, 0.10000000149011612, 0.10000000149011612]
    """
    if not isinstance(models, Mapping) or not models:
        raise ValueError("models must be a dict of name -> function, e.g. {'linear': lambda x: model(x.view(-1, 784))}.")
    x = to_float(img28)
    if x.shape != (28, 28):
        raise ValueError(f"img28 must be [28, 28], got {list(x.shape)}; use center_like_mnist first.")
    out = {}
    with torch.no_grad():
        for name, fn in models.items():
            if not callable(fn):
                raise ValueError(f"models[{name!r}] must be a function taking [N, 28, 28], got {type(fn).__name__}.")
            was_training = getattr(fn, "training", None)
            if was_training:
                fn.eval()
            try:
                scores = torch.as_tensor(fn(x[None].clone())).detach().float().cpu()
            finally:
                if was_training:
                    fn.train()
            if scores.ndim == 2 and scores.shape[1] == 1:
                scores = scores[:, 0]
            if scores.ndim == 1:
                p = scores[:1].sigmoid()
                out[name] = torch.cat([1 - p, p])
                continue
            if scores.ndim != 2 or scores.shape[0] != 1:
                raise ValueError(f"models[{name!r}] returned shape {list(scores.shape)} for one image; "
                                 "expected [1, C] (one row of class scores).")
            row = scores[0]
            is_prob = bool((row >= 0).all()) and abs(row.sum().item() - 1) < 1e-3
            out[name] = row if is_prob else row.softmax(0)
    return out


def _class_names(classes: Sequence[Any] | None, n: int) -> list[Any]:
    return list(classes) if classes is not None and len(classes) == n else list(range(n))


def plot_predictions(img28: Tensor, probs: Mapping[str, Tensor], classes: Sequence[Any] | None = None,
                     figsize: tuple[float, float] | None = None):
    """What the models see (the 28x28 image) and a bar chart of each model's probabilities.

    Used in notebook 05 (behind `draw_digit`).

    >>> fig = plot_predictions(torch.zeros(28, 28), {"m": torch.tensor([0.2, 0.8])}, classes=[3, 7])
    >>> fig.axes[1].get_title()
    'm: 7 (80%)'
    """
    n = len(probs)
    fig = new_figure(figsize or (2.2 + 2.6 * n, 2.6))
    axes = fig.subplots(1, n + 1, squeeze=False)[0]
    axes[0].imshow(to_float(img28).numpy(), cmap="Greys", vmin=0, vmax=1)
    axes[0].set_title("what the models see", fontsize=8)
    axes[0].set_xticks([])
    axes[0].set_yticks([])
    for ax, (name, p) in zip(axes[1:], probs.items()):
        names = [str(c) for c in _class_names(classes, len(p))]
        best = int(p.argmax())
        ax.bar(names, p.numpy() if hasattr(p, "numpy") else p, color=["tab:green" if i == best else "tab:gray" for i in range(len(p))])
        ax.set_ylim(0, 1)
        ax.set_title(f"{name}: {names[best]} ({p[best].item():.0%})", fontsize=9)
        ax.tick_params(labelsize=7)
    return fig


def _new_canvas():
    """A DrawCanvas, or a clear ImportError when anywidget is missing (e.g. on a bare Colab)."""
    try:
        import anywidget  # noqa: F401
    except ImportError:
        raise ImportError("draw_digit needs the anywidget package for its canvas: run `%pip install anywidget` "
                          "in a cell, then run this cell again.") from None
    from helpers.draw_canvas import DrawCanvas

    return DrawCanvas()


def draw_digit(models: Mapping[str, Model], classes: Sequence[Any] | None = None) -> LessonWidget:
    """Draw a digit with the mouse and see what each model predicts, with probabilities.

    Taught in notebook 05. `models` maps a name to a function taking a batch `[N, 28, 28]`
    (floats 0..1, white digit on black, like MNIST) and returning scores `[N, C]` (see
    `predict_probabilities`); `classes` names the classes (default 0..C-1).

    >>> w = draw_digit({"uniform": lambda x: torch.zeros(len(x), 10)})
    >>> w
    A canvas to draw a digit and see the predictions (a widget: run this cell in Jupyter or Colab to use it).
    >>> w.canvas.pixels = [255] * (112 * 112)       # what the canvas sends when you lift the mouse
    >>> w.summary.value
    '<b>uniform: 0 (10%)</b>'
    """
    if not isinstance(models, Mapping) or not models:
        raise ValueError("models must be a dict of name -> function, e.g. {'linear': lambda x: model(x.view(-1, 784))}.")
    if "google.colab" in sys.modules:  # Colab renders third-party widgets only with its custom manager
        from google.colab import output  # type: ignore[import-not-found]
        output.enable_custom_widget_manager()
    canvas = _new_canvas()
    text, image = summary_and_plot("draw")
    text.value = bold(DRAW_PROMPT)

    def update(*_: Any) -> None:
        px = canvas.pixels
        if not px:
            text.value = bold(DRAW_PROMPT)
            image.value = b""
            return
        g = int(round(len(px) ** 0.5))
        img28 = center_like_mnist(torch.tensor(px, dtype=torch.uint8).view(g, g))
        try:
            probs = predict_probabilities(img28, models)
        except Exception as err:  # show it where the learner looks, not as a traceback in the log
            text.value = bold(f"A model failed: {type(err).__name__}: {err}")
            return
        image.value = figure_to_png(plot_predictions(img28, probs, classes))
        answers = []
        for name, p in probs.items():
            best = int(p.argmax())
            answers.append(f"{name}: {_class_names(classes, len(p))[best]} ({p[best].item():.0%})")
        text.value = bold(" | ".join(answers))

    canvas.observe(update, names="pixels")
    box = LessonWidget([widgets.HBox([canvas, widgets.VBox([text, image])])],
                       "A canvas to draw a digit and see the predictions", update, text, image)
    box.canvas = canvas
    return box
