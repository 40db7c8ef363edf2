"""Interactive pieces: learn by moving something (JupyterLab, Jupyter Notebook, Colab, VS Code).

Three one-line widgets, each a thin wrapper over plain functions that are unit-tested:

* `lr_explorer()`: a learning-rate slider over fastbook's toy SGD example (fitting a
  quadratic to a roller coaster's speed); the fit and the loss curve update as you move it.
  Logic: `sgd_quadratic(lr, steps)`, `plot_sgd_run(run)`.
* `digit_explorer(x, y, means)`: pick any image with a slider; see it as a heatmap, its
  distance to every mean digit and the nearest one.  Logic: `distances_to_each_mean`,
  `plot_digit_distances`.
* `draw_digit({"name": predict_fn, ...})`: draw a digit with the mouse; each model's
  prediction and probabilities update when you lift the mouse.  Logic:
  `center_like_mnist`, `predict_probabilities`, `plot_predictions`.

>>> helpers.lr_explorer()                                         # doctest: +SKIP
>>> helpers.digit_explorer(x_test, y_test, means)                  # doctest: +SKIP
>>> helpers.draw_digit({"linear": lambda x: model(x.view(-1, 784))})  # doctest: +SKIP

The widgets use ipywidgets (7.x, as fastbook pins it; JupyterLab 4 renders them) and,
for the drawing canvas, anywidget. Figures are drawn with matplotlib's object API into
PNG images, so nothing is printed twice and nothing depends on the plotting backend.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

__all__ = [
    "SGDRun", "sgd_quadratic", "plot_sgd_run", "lr_explorer",
    "distances_to_each_mean", "plot_digit_distances", "digit_explorer",
    "center_like_mnist", "predict_probabilities", "plot_predictions", "draw_digit",
    "DEFAULT_LRS",
]

DEFAULT_LRS = (1e-6, 3e-6, 1e-5, 3e-5, 1e-4, 3e-4)


def _figure(figsize: tuple[float, float]):
    from matplotlib.figure import Figure  # no pyplot: the figure is never shown twice
    return Figure(figsize=figsize, layout="constrained")


def figure_to_png(fig: Any, dpi: int = 80) -> bytes:
    """The PNG bytes of a matplotlib figure (what the widgets show)."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def _summary_and_plot(name: str):
    """The two outputs every widget here has: an HTML summary line and a PNG plot.

    Their CSS classes (`mnist-<name>-summary`, `mnist-<name>-plot`) let the browser test find them."""
    import ipywidgets as widgets

    text, image = widgets.HTML(), widgets.Image(format="png")
    text.add_class(f"mnist-{name}-summary")
    image.add_class(f"mnist-{name}-plot")
    return text, image


def _fmt_lr(lr: float) -> str:
    return f"{lr:.0e}".replace("e-0", "e-")


# ------------------------------------------------------------------ (a) learning rate


@dataclass
class SGDRun:
    """One run of SGD on the toy quadratic: data, parameters and loss at every step."""

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
        a, b, c = self.params[step]
        return a * self.time ** 2 + b * self.time + c

    def summary(self) -> str:
        start, end = self.losses[0].item(), self.losses[-1].item()
        if self.diverged:
            return (f"lr={_fmt_lr(self.lr)}: the loss went from {start:,.0f} to "
                    f"{'infinity' if not np.isfinite(end) else f'{end:,.3g}'}: it diverged, each step overshoots "
                    f"further. Try a smaller learning rate.")
        falling = len(self.losses) > 1 and self.losses[-2].item() - end > 0.01 * end
        verdict = "still falling fast: a larger learning rate would get there sooner" if falling else "settled"
        return f"lr={_fmt_lr(self.lr)}: the loss went from {start:,.0f} to {end:,.0f} in {len(self.losses) - 1} steps ({verdict})."


def sgd_quadratic(lr: float, steps: int = 20, seed: int = 42) -> SGDRun:
    """Fit `a*t**2 + b*t + c` to fastbook's noisy roller-coaster speeds with `steps` steps of SGD.

    The data and the starting parameters come from a private generator seeded with
    `seed`, so every learning rate starts from the same place and the global random
    state is left alone. Steps stop early, keeping `inf`, once the loss overflows.

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
    """Left: the data and the fitted curve after each step (darker = later). Right: loss per step."""
    fig = _figure(figsize)
    ax1, ax2 = fig.subplots(1, 2)
    ax1.scatter(run.time, run.speed, s=14, color="black", label="data", zorder=3)
    steps = run.params.shape[0]
    shown = sorted({0, steps // 4, steps // 2, 3 * steps // 4, steps - 1})
    for k, i in enumerate(shown):
        pred = run.predictions(i).clamp(-1e4, 1e4)
        ax1.plot(run.time, pred, color="tab:red", alpha=0.25 + 0.75 * k / max(1, len(shown) - 1),
                 label="after step %d" % i if i in (0, steps - 1) else None)
    lo, hi = float(run.speed.min()), float(run.speed.max())
    ax1.set_ylim(lo - 0.5 * (hi - lo), hi + 0.5 * (hi - lo))
    ax1.set_xlabel("time")
    ax1.set_ylabel("speed")
    ax1.set_title(f"fit, lr={_fmt_lr(run.lr)}")
    ax1.legend(fontsize=7, loc="upper center")
    finite = torch.isfinite(run.losses)
    ax2.plot(torch.arange(steps)[finite], run.losses[finite], marker="o", ms=3)
    if not finite.all():
        ax2.axvline(int((~finite).nonzero()[0]), color="tab:red", ls="--", label="overflow")
        ax2.legend(fontsize=7)
    ax2.set_yscale("log")
    ax2.set_xlabel("step")
    ax2.set_ylabel("loss (MSE, log scale)")
    ax2.set_title("diverged" if run.diverged else "loss")
    return fig


def lr_explorer(lrs: Sequence[float] = DEFAULT_LRS, steps: int = 20, value: float = 1e-5, seed: int = 42):
    """A learning-rate slider over the toy SGD example; returns the widget (display it).

    >>> w = lr_explorer()            # doctest: +SKIP
    """
    import ipywidgets as widgets

    lrs = [float(x) for x in lrs]
    if not lrs:
        raise ValueError("lrs must hold at least one learning rate, e.g. (1e-6, 1e-5, 1e-4).")
    options = [(_fmt_lr(x), x) for x in lrs]
    start = min(lrs, key=lambda x: abs(np.log(x) - np.log(value)))
    lr_slider = widgets.SelectionSlider(options=options, value=start, description="learning rate",
                                        continuous_update=False, style={"description_width": "initial"},
                                        layout=widgets.Layout(width="420px"))
    step_slider = widgets.IntSlider(value=steps, min=1, max=max(60, steps), description="steps",
                                    continuous_update=False, layout=widgets.Layout(width="420px"))
    text, image = _summary_and_plot("lr")

    def update(*_: Any) -> None:
        run = sgd_quadratic(lr_slider.value, step_slider.value, seed)
        image.value = figure_to_png(plot_sgd_run(run))
        text.value = f"<b>{run.summary()}</b>"

    lr_slider.observe(update, names="value")
    step_slider.observe(update, names="value")
    update()
    box = widgets.VBox([widgets.HBox([lr_slider, step_slider]), text, image])
    box.update = update  # for tests and for re-drawing by hand
    return box


# ------------------------------------------------------------------ (b) distances to the mean digits


def _as_images(x: Any, what: str) -> Tensor:
    if isinstance(x, np.ndarray):
        x = torch.from_numpy(x)
    if not isinstance(x, Tensor):
        raise ValueError(f"{what} must be a tensor, got {type(x).__name__}.")
    x = x.float() / 255 if x.dtype == torch.uint8 else x.float()
    return x


def distances_to_each_mean(img: Any, means: Any) -> Tensor:
    """Mean absolute difference (L1) between one image [28, 28] and each mean digit [C, 28, 28]: [C].

    uint8 inputs are scaled to 0..1 first.

    >>> distances_to_each_mean(torch.zeros(2, 2), torch.stack([torch.zeros(2, 2), torch.ones(2, 2)])).tolist()
    [0.0, 1.0]
    """
    img, means = _as_images(img, "img"), _as_images(means, "means")
    if img.ndim != 2:
        raise ValueError(f"img must be one image [H, W], got shape {list(img.shape)}; pick one with x[i].")
    if means.ndim != 3 or means.shape[-2:] != img.shape:
        raise ValueError(f"means must be [C, H, W] with the image's [H, W] = {list(img.shape)}, got {list(means.shape)}.")
    return (img[None] - means).abs().mean((-1, -2))


def plot_digit_distances(img: Any, means: Any, classes: Sequence[Any] | None = None, label: Any = None,
                         figsize: tuple[float, float] = (10, 3)):
    """The image as a heatmap, the nearest mean digit, and a bar of the distance to each mean."""
    x, m = _as_images(img, "img"), _as_images(means, "means")
    d = distances_to_each_mean(x, m)
    classes = list(range(len(m))) if classes is None else list(classes)
    best = int(d.argmin())
    fig = _figure(figsize)
    ax0, ax1, ax2 = fig.subplots(1, 3, width_ratios=[1, 1, 2])
    im = ax0.imshow(x, cmap="Greys", vmin=0, vmax=1)
    fig.colorbar(im, ax=ax0, fraction=0.046, pad=0.04)
    ax0.set_title("this image" + (f" (label {label})" if label is not None else ""), fontsize=9)
    ax1.imshow((x - m[best]).abs(), cmap="Reds", vmin=0, vmax=1)
    ax1.set_title(f"|image - mean {classes[best]}|", fontsize=9)
    for ax in (ax0, ax1):
        ax.set_xticks([])
        ax.set_yticks([])
    colors = ["tab:green" if i == best else "tab:gray" for i in range(len(classes))]
    ax2.bar([str(c) for c in classes], d, color=colors)
    ax2.set_xlabel("mean digit")
    ax2.set_ylabel("distance (L1)")
    ax2.set_title(f"nearest mean: {classes[best]}", fontsize=9)
    return fig


def digit_explorer(x: Any, y: Any, means: Any, classes: Sequence[Any] | None = None, index: int = 0):
    """Pick any image of `x` with a slider and see its heatmap and distance to every mean digit.

    `x` [N, 28, 28] (uint8 or floats 0..1), `y` [N] labels, `means` [C, 28, 28];
    `classes` names the class of each mean (default 0..C-1; for 3s and 7s pass [3, 7]).

    >>> w = digit_explorer(x_test, y_test, means)          # doctest: +SKIP
    """
    import ipywidgets as widgets

    x = _as_images(x, "x")
    m = _as_images(means, "means")
    if x.ndim != 3:
        raise ValueError(f"x must be a batch of images [N, H, W], got {list(x.shape)}.")
    y = torch.as_tensor(y)
    if y.shape[0] != x.shape[0]:
        raise ValueError(f"y must have one label per image: x has {x.shape[0]}, y has {y.shape[0]}.")
    classes = list(range(len(m))) if classes is None else list(classes)
    if len(classes) != len(m):
        raise ValueError(f"classes has {len(classes)} names for {len(m)} means; give one per mean.")
    distances_to_each_mean(x[0], m)  # shape check up front

    slider = widgets.IntSlider(value=index, min=0, max=len(x) - 1, description="image #",
                               continuous_update=False, layout=widgets.Layout(width="500px"))
    text, image = _summary_and_plot("digit")

    def update(*_: Any) -> None:
        i = slider.value
        d = distances_to_each_mean(x[i], m)
        best = int(d.argmin())
        label = y[i].item()
        right = "right" if classes[best] == label else "wrong"
        image.value = figure_to_png(plot_digit_distances(x[i], m, classes, label))
        dist = ", ".join(f"{c}: {v:.3f}" for c, v in zip(classes, d.tolist()))
        text.value = (f"<b>image {i}: label {label}, nearest mean {classes[best]} ({right})</b>"
                      f"<br><span style='font-size:85%'>distances: {dist}</span>")

    slider.observe(update, names="value")
    update()
    box = widgets.VBox([slider, text, image])
    box.update = update
    return box


# ------------------------------------------------------------------ (c) draw a digit


def center_like_mnist(img: Any, box: int = 20, size: int = 28) -> Tensor:
    """Make a drawing look like an MNIST digit: floats 0..1, white on black, [size, size].

    MNIST digits were scaled to fit a 20x20 box (keeping their shape) and placed so
    their centre of mass is in the middle of the 28x28 image; this does the same to a
    drawing of any size (e.g. the 112x112 grid the canvas sends). An empty drawing
    gives zeros.

    >>> d = torch.zeros(100, 100); d[10:90, 45:55] = 1      # a tall stroke, off to one side
    >>> out = center_like_mnist(d)
    >>> out.shape, round(out.sum(0).nonzero().float().mean().item())   # centred on column ~14
    (torch.Size([28, 28]), 14)
    """
    x = _as_images(img, "img")
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


def predict_probabilities(img28: Tensor, models: Mapping[str, Callable[[Tensor], Any]]) -> dict[str, Tensor]:
    """Each model's class probabilities for one image [28, 28] (floats 0..1).

    Each model is a function taking a batch `[N, 28, 28]` and returning scores `[N, C]`:
    logits (softmax is applied) or probabilities (rows of non-negative numbers summing
    to 1, kept as they are). A model that returns `[N]` or `[N, 1]` is read as one
    logit for "the second class" of a two-class task (sigmoid), e.g. 7 in 3-vs-7.

    >>> probs = predict_probabilities(torch.zeros(28, 28), {"zeros": lambda x: torch.zeros(len(x), 10)})
    >>> probs["zeros"].tolist()[:3]
    [0.10000000149011612, 0.10000000149011612, 0.10000000149011612]
    """
    if not isinstance(models, Mapping) or not models:
        raise ValueError("models must be a dict of name -> function, e.g. {'linear': lambda x: model(x.view(-1, 784))}.")
    x = _as_images(img28, "img28")
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


def plot_predictions(img28: Tensor, probs: Mapping[str, Tensor], classes: Sequence[Any] | None = None,
                     figsize: tuple[float, float] | None = None):
    """What the models see (the 28x28 image) and a bar chart of each model's probabilities."""
    n = len(probs)
    fig = _figure(figsize or (2.2 + 2.6 * n, 2.6))
    axes = fig.subplots(1, n + 1, squeeze=False)[0]
    axes[0].imshow(_as_images(img28, "img28"), cmap="Greys", vmin=0, vmax=1)
    axes[0].set_title("what the models see", fontsize=8)
    axes[0].set_xticks([])
    axes[0].set_yticks([])
    for ax, (name, p) in zip(axes[1:], probs.items()):
        names = [str(c) for c in (classes if classes is not None and len(classes) == len(p) else range(len(p)))]
        best = int(p.argmax())
        ax.bar(names, p, color=["tab:green" if i == best else "tab:gray" for i in range(len(p))])
        ax.set_ylim(0, 1)
        ax.set_title(f"{name}: {names[best]} ({p[best].item():.0%})", fontsize=9)
        ax.tick_params(labelsize=7)
    return fig


_CANVAS_ESM = r"""
function render({ model, el }) {
  const size = model.get("size"), grid = model.get("grid");
  const wrap = document.createElement("div");
  wrap.style.cssText = "display:flex;flex-direction:column;gap:4px;align-items:flex-start";
  const canvas = document.createElement("canvas");
  canvas.width = size; canvas.height = size;
  canvas.className = "mnist-draw-canvas";
  canvas.style.cssText = "border:1px solid #888;background:#000;cursor:crosshair;touch-action:none";
  const ctx = canvas.getContext("2d");
  const button = document.createElement("button");
  button.textContent = "Clear";
  button.className = "mnist-draw-clear jupyter-button";
  const clear = () => { ctx.fillStyle = "black"; ctx.fillRect(0, 0, size, size); };
  clear();
  let drawing = false, last = null;
  const pos = (e) => { const r = canvas.getBoundingClientRect();
    return [(e.clientX - r.left) * size / r.width, (e.clientY - r.top) * size / r.height]; };
  const stroke = (a, b) => { ctx.strokeStyle = "white"; ctx.fillStyle = "white";
    ctx.lineWidth = model.get("brush"); ctx.lineCap = "round"; ctx.lineJoin = "round";
    ctx.beginPath(); ctx.moveTo(a[0], a[1]); ctx.lineTo(b[0], b[1]); ctx.stroke(); };
  const send = () => {
    const small = document.createElement("canvas"); small.width = grid; small.height = grid;
    const s = small.getContext("2d"); s.imageSmoothingEnabled = true; s.imageSmoothingQuality = "high";
    s.drawImage(canvas, 0, 0, grid, grid);
    const data = s.getImageData(0, 0, grid, grid).data;
    const px = new Array(grid * grid);
    for (let i = 0; i < grid * grid; i++) px[i] = data[4 * i];
    model.set("pixels", px); model.set("strokes", model.get("strokes") + 1); model.save_changes();
  };
  canvas.addEventListener("pointerdown", (e) => { drawing = true; last = pos(e);
    try { canvas.setPointerCapture(e.pointerId); } catch (err) {} stroke(last, last); });
  canvas.addEventListener("pointermove", (e) => { if (!drawing) return; const p = pos(e); stroke(last, p); last = p; });
  const end = () => { if (!drawing) return; drawing = false; send(); };
  canvas.addEventListener("pointerup", end);
  canvas.addEventListener("pointercancel", end);
  button.addEventListener("click", () => { clear(); model.set("pixels", []); model.save_changes(); });
  model.on("change:pixels", () => { if (model.get("pixels").length === 0) clear(); });
  wrap.appendChild(canvas); wrap.appendChild(button); el.appendChild(wrap);
}
export default { render };
"""


def _canvas_class():
    try:
        import anywidget
    except ImportError:  # e.g. on Colab, which has ipywidgets but not anywidget
        raise ImportError("draw_digit needs the anywidget package for its canvas: run `%pip install anywidget` "
                          "in a cell, then run this cell again.") from None
    import traitlets

    class DrawCanvas(anywidget.AnyWidget):
        """A black square to draw on; `pixels` holds the drawing as grid*grid values 0..255."""

        _esm = _CANVAS_ESM
        size = traitlets.Int(280).tag(sync=True)
        grid = traitlets.Int(112).tag(sync=True)
        brush = traitlets.Float(22.0).tag(sync=True)
        pixels = traitlets.List(traitlets.Int(), default_value=[]).tag(sync=True)
        strokes = traitlets.Int(0).tag(sync=True)

    return DrawCanvas


def draw_digit(models: Mapping[str, Callable[[Tensor], Any]], classes: Sequence[Any] | None = None):
    """Draw a digit with the mouse and see what each model predicts, with probabilities.

    `models` maps a name to a function taking a batch `[N, 28, 28]` (floats 0..1, white
    digit on black, like MNIST) and returning scores `[N, C]` (see `predict_probabilities`).

    >>> w = draw_digit({"linear": lambda x: linear(x.view(-1, 784)),     # doctest: +SKIP
    ...                 "cnn": lambda x: cnn(x[:, None])})
    """
    import ipywidgets as widgets

    if not isinstance(models, Mapping) or not models:
        raise ValueError("models must be a dict of name -> function, e.g. {'linear': lambda x: model(x.view(-1, 784))}.")
    if "google.colab" in sys.modules:  # Colab renders third-party widgets only with its custom manager
        from google.colab import output  # type: ignore[import-not-found]
        output.enable_custom_widget_manager()
    canvas = _canvas_class()()
    text, image = _summary_and_plot("draw")
    text.value = "<b>Draw a digit in the black square (hold the mouse button down), then let go.</b>"

    def update(*_: Any) -> None:
        px = canvas.pixels
        if not px:
            text.value = "<b>Draw a digit in the black square (hold the mouse button down), then let go.</b>"
            image.value = b""
            return
        g = int(round(len(px) ** 0.5))
        img28 = center_like_mnist(torch.tensor(px, dtype=torch.float32).view(g, g) / 255)
        try:
            probs = predict_probabilities(img28, models)
        except Exception as err:  # show it where the learner looks, not as a traceback in the log
            text.value = f"<b>A model failed: {type(err).__name__}: {err}</b>"
            return
        image.value = figure_to_png(plot_predictions(img28, probs, classes))
        parts = []
        for name, p in probs.items():
            names = list(classes) if classes is not None and len(classes) == len(p) else list(range(len(p)))
            best = int(p.argmax())
            parts.append(f"{name}: {names[best]} ({p[best].item():.0%})")
        text.value = "<b>" + " | ".join(parts) + "</b>"

    canvas.observe(update, names="pixels")
    box = widgets.VBox([widgets.HBox([canvas, widgets.VBox([text, image])])])
    box.canvas, box.update = canvas, update
    return box
