"""The three lesson widgets: their plain functions, and the widgets driven from Python.

helpers/lr_widget.py (notebook 03), helpers/digit_widget.py (02), helpers/draw_widget.py
with draw_canvas.py/.js (05), and what they share in helpers/widget_base.py. The same
widgets are driven in a real browser by tests/browser/browser_interactive.py.
"""

from __future__ import annotations

import base64
import math
import sys
import tomllib
from fnmatch import fnmatch
from html.parser import HTMLParser
from pathlib import Path

import numpy as np
import pytest
import torch

import helpers
from helpers.digit_widget import plot_digit_distances
from helpers.draw_widget import center_like_mnist, plot_predictions, predict_probabilities
from helpers.lr_widget import plot_sgd_run, sgd_quadratic
from helpers.similarity import distances_to_means
from helpers._course import widgets as widget_base
from helpers._course.widgets import LessonWidget, bold, figure_to_png, summary_and_plot

PNG = b"\x89PNG"
ROOT = Path(__file__).resolve().parent.parent


def visible_text(markup: str) -> str:
    """The text a browser shows for an HTML snippet (tags dropped, entities decoded)."""
    parts: list[str] = []
    parser = HTMLParser()
    parser.handle_data = parts.append
    parser.feed(markup)
    parser.close()
    return "".join(parts)


def displayed_bundle(widget, monkeypatch) -> dict:
    """What displaying `widget` saves in a notebook: the live view, and what GitHub shows instead."""
    shown = []
    monkeypatch.setattr(widget_base, "display", lambda data, raw: shown.append(data))
    widget._ipython_display_()
    (bundle,) = shown
    assert "application/vnd.jupyter.widget-view+json" in bundle
    return bundle


def displayed_plain_text(widget, monkeypatch) -> str:
    """The text/plain that displaying `widget` saves in a notebook."""
    return displayed_bundle(widget, monkeypatch)["text/plain"]


@pytest.fixture(scope="module")
def mnist_small():
    x, y = helpers.load_mnist("full", "test")
    x, y = x[:500], y[:500]
    means = torch.stack([x[y == c].float().mean(0) / 255 for c in range(10)])
    return x, y, means


def two_means_model(means):
    return lambda b: -50 * (b[:, None] - means).abs().mean((-1, -2))


# ------------------------------------------------------------------ what all three share


@pytest.mark.parametrize("name,start", [
    ("lr_explorer", "A learning-rate slider over SGD"),
    ("digit_explorer", "A slider to compare any image with the mean digits"),
    ("draw_digit", "A canvas to draw a digit"),
])
def test_each_widget_saves_a_readable_sentence_as_its_plain_text(name, start, mnist_small, monkeypatch):
    x, y, means = mnist_small
    widget = {
        "lr_explorer": lambda: helpers.lr_explorer(),
        "digit_explorer": lambda: helpers.digit_explorer(x, y, means),
        "draw_digit": lambda: helpers.draw_digit({"m": lambda b: torch.zeros(len(b), 10)}),
    }[name]()
    text = displayed_plain_text(widget, monkeypatch)
    assert text.startswith(start), text
    assert text.endswith("(a widget: run this cell in Jupyter or Colab to use it)."), text  # not cut at 110
    assert "object at 0x" not in text and "children=" not in text, text


@pytest.mark.parametrize("name", ["lr_explorer", "digit_explorer"])
def test_each_slider_saves_its_first_picture_for_viewers_without_widgets(name, mnist_small, monkeypatch):
    x, y, means = mnist_small
    widget = helpers.lr_explorer() if name == "lr_explorer" else helpers.digit_explorer(x, y, means)
    png = base64.b64decode(displayed_bundle(widget, monkeypatch)["image/png"])
    assert png.startswith(b"\x89PNG") and png == widget.plot.value  # the picture the widget shows


def test_lesson_widget_refuses_a_description_ipywidgets_would_cut():
    text, image = summary_and_plot("t")
    with pytest.raises(ValueError, match="110 characters"):
        LessonWidget([], "x" * 60, lambda: None, text, image)


def test_bold_escapes_html():
    assert bold("a<b & <lambda>") == "<b>a&lt;b &amp; &lt;lambda&gt;</b>"
    assert visible_text(bold("<lambda>")) == "<lambda>"


def test_the_canvas_javascript_is_a_file_that_the_package_ships():
    from helpers.draw_canvas import DrawCanvas

    js = ROOT / "helpers" / "draw_canvas.js"
    assert DrawCanvas()._esm == js.read_text()  # the widget sends the file itself
    assert "export default { render }" in js.read_text()
    package_data = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]
    assert any(fnmatch(js.name, pattern) for pattern in package_data["helpers"]), package_data


# ------------------------------------------------------------------ (a) learning rate (notebook 03)


def test_sgd_quadratic_shapes_and_determinism():
    run = sgd_quadratic(1e-5, steps=10)
    assert run.params.shape == (11, 3) and run.losses.shape == (11,)
    assert run.time.tolist() == list(range(20))
    again = sgd_quadratic(1e-5, steps=10)
    assert torch.equal(run.losses, again.losses) and torch.equal(run.params, again.params)
    # every learning rate starts from the same data and parameters
    other = sgd_quadratic(1e-6, steps=10)
    assert torch.equal(run.speed, other.speed) and torch.equal(run.params[0], other.params[0])


def test_sgd_quadratic_follows_the_update_rule():
    lr = 1e-5
    run = sgd_quadratic(lr, steps=1)
    p = run.params[0].clone().requires_grad_()
    loss = ((p[0] * run.time ** 2 + p[1] * run.time + p[2] - run.speed) ** 2).mean()
    loss.backward()
    assert torch.allclose(run.params[1], p.detach() - lr * p.grad)
    assert math.isclose(run.losses[0].item(), loss.item(), rel_tol=1e-6)


def test_sgd_quadratic_good_small_and_too_large_learning_rates():
    good, small, large = sgd_quadratic(1e-5), sgd_quadratic(1e-6), sgd_quadratic(3e-4)
    assert good.losses[-1] < 0.05 * good.losses[0] and not good.diverged
    assert small.losses[-1] > 2 * good.losses[-1] and not small.diverged   # crawls
    assert large.diverged and not torch.isfinite(large.losses[-1])        # overshoots, overflows
    assert "diverged" in large.summary() and "smaller learning rate" in large.summary()
    assert "settled" in good.summary() and "still falling" in small.summary()
    assert large.losses.shape == (21,) and large.params.shape == (21, 3)


def test_sgd_quadratic_leaves_the_global_random_state_alone():
    torch.manual_seed(0)
    a = torch.rand(2)
    torch.manual_seed(0)
    sgd_quadratic(1e-5)
    assert torch.equal(torch.rand(2), a)


@pytest.mark.parametrize("lr,steps", [(0, 5), (-1e-5, 5), (float("nan"), 5), ("fast", 5), (1e-5, 0), (1e-5, 2.5)])
def test_sgd_quadratic_bad_input(lr, steps):
    with pytest.raises(ValueError, match="must be"):
        sgd_quadratic(lr, steps)


def test_plot_sgd_run_draws_fit_and_loss_even_when_diverged():
    for lr in (1e-5, 3e-4):
        fig = plot_sgd_run(sgd_quadratic(lr))
        assert len(fig.axes) == 2
        assert fig.axes[1].get_yscale() == "log"
        assert figure_to_png(fig).startswith(PNG)
    assert fig.axes[1].get_title() == "diverged"


def test_lr_explorer_follows_both_sliders():
    box = helpers.lr_explorer()
    lr_slider, step_slider = box.children[0].children
    text, image = box.children[1], box.children[2]
    assert (box.summary, box.plot) == (text, image)
    assert text.value == bold(sgd_quadratic(1e-5, 20).summary())
    before = image.value
    assert before.startswith(PNG)
    lr_slider.value = 3e-4
    assert text.value == bold(sgd_quadratic(3e-4, 20).summary())   # "... to infinity: it diverged ..."
    assert image.value != before
    step_slider.value = 5
    assert text.value == bold(sgd_quadratic(3e-4, 5).summary())    # "... to 2.68e+16: it diverged ..."
    lr_slider.value = 1e-5
    assert "lr=1e-5: the loss went from 25,824 to 683 in 5 steps (still falling fast" in text.value


def test_lr_explorer_bad_input():
    with pytest.raises(ValueError, match="at least one"):
        helpers.lr_explorer(lrs=())


# ------------------------------------------------------------------ (b) distances to the mean digits (notebook 02)


def test_digit_explorer_follows_the_slider_with_the_lessons_distances(mnist_small):
    x, y, means = mnist_small
    box = helpers.digit_explorer(x, y, means)
    slider, text, image = box.children
    assert slider.max == 499
    assert f"image 0: label {y[0].item()}" in text.value
    before = image.value
    assert before.startswith(PNG)
    slider.value = 7
    d = distances_to_means(x[7:8], means)[0]
    shown = visible_text(text.value)
    assert f"image 7: label {y[7].item()}, nearest mean {d.argmin().item()}" in shown
    assert shown.endswith("distances: " + ", ".join(f"{c}: {v:.3f}" for c, v in enumerate(d.tolist()))), shown
    assert image.value != before


def test_digit_explorer_with_two_classes(mnist_small):
    x, y, means = mnist_small
    keep = (y == 3) | (y == 7)
    x37, y37 = x[keep], y[keep]
    box = helpers.digit_explorer(x37, y37, means[[3, 7]], classes=[3, 7], index=4)
    d = distances_to_means(x37[4:5], means[[3, 7]])[0]
    nearest = [3, 7][d.argmin().item()]
    verdict = "right" if nearest == y37[4].item() else "wrong"
    shown = visible_text(box.summary.value)
    assert shown == f"image 4: label {y37[4].item()}, nearest mean {nearest} ({verdict})distances: 3: {d[0]:.3f}, 7: {d[1]:.3f}"


def test_digit_explorer_bad_input(mnist_small):
    x, y, means = mnist_small
    with pytest.raises(ValueError, match="one per mean"):
        helpers.digit_explorer(x, y, means, classes=[3, 7])
    with pytest.raises(ValueError, match="one label per image"):
        helpers.digit_explorer(x, y[:10], means)
    with pytest.raises(ValueError, match=r"torch.as_tensor"):
        helpers.digit_explorer(x.numpy(), y, means)
    with pytest.raises(ValueError, match=r"\[N, H, W\], got \[28, 28\]"):
        helpers.digit_explorer(x[0], y, means)
    with pytest.raises(ValueError, match="uint8"):
        helpers.digit_explorer(x.long(), y, means)
    with pytest.raises(ValueError, match=r"same \[H, W\]"):
        helpers.digit_explorer(x, y, means[:, :20, :20])


def test_plot_digit_distances_marks_the_nearest_mean(mnist_small):
    x, _, means = mnist_small
    fig = plot_digit_distances(x[0], means, label=7)
    nearest = distances_to_means(x[:1], means)[0].argmin().item()
    assert fig.axes[2].get_title() == f"nearest mean: {nearest}"   # (fig.axes[3] is the colour bar)
    with pytest.raises(ValueError, match="one image"):
        plot_digit_distances(x[:2], means)


# ------------------------------------------------------------------ (c) draw a digit (notebook 05)


def test_center_like_mnist_fits_a_20_box_and_centres_the_mass():
    d = torch.zeros(112, 112)
    d[5:60, 80:100] = 1.0  # a blob in the top right corner
    out = center_like_mnist(d)
    assert out.shape == (28, 28) and out.min() >= 0 and out.max() <= 1
    rows, cols = (out > 0.05).any(1).nonzero(), (out > 0.05).any(0).nonzero()
    assert rows.max() - rows.min() + 1 <= 21 and cols.max() - cols.min() + 1 <= 21
    assert rows.max() - rows.min() + 1 >= 19  # the longer side fills the box
    r = (out.sum(1) * torch.arange(28)).sum() / out.sum()
    c = (out.sum(0) * torch.arange(28)).sum() / out.sum()
    assert abs(r - 14) <= 0.75 and abs(c - 14) <= 0.75


def test_center_like_mnist_empty_uint8_and_bad_input():
    assert torch.equal(center_like_mnist(torch.zeros(50, 50)), torch.zeros(28, 28))
    u8 = torch.zeros(56, 56, dtype=torch.uint8)
    u8[10:40, 20:30] = 255
    assert center_like_mnist(u8).max() > 0.9
    with pytest.raises(ValueError, match="one drawing"):
        center_like_mnist(torch.zeros(2, 28, 28))
    with pytest.raises(ValueError, match="torch.as_tensor"):
        center_like_mnist(np.zeros((28, 28)))


def test_center_like_mnist_turns_a_real_digit_back_into_itself(mnist_small):
    x, _, _ = mnist_small
    diffs = []
    for i in range(20):
        img = x[i].float() / 255
        big = torch.nn.functional.interpolate(img[None, None], size=(112, 112), mode="bilinear")[0, 0]
        diffs.append((center_like_mnist(big) - img).abs().mean().item())
    # MNIST digits are already in this form, so the result is close to the original
    # (the mean pixel of an MNIST digit is about 0.13; a one-pixel shift costs about 0.05)
    assert sum(diffs) / len(diffs) < 0.04, diffs


def test_predict_probabilities_logits_probabilities_and_binary():
    img = torch.zeros(28, 28)
    seen = {}

    def logits(x):
        seen["shape"] = tuple(x.shape)
        return torch.tensor([[0.0, 2.0, 0.0]])

    probs = predict_probabilities(img, {
        "logits": logits,
        "probs": lambda x: torch.tensor([[0.2, 0.8]]),
        "binary": lambda x: torch.tensor([[0.0]]),
    })
    assert seen["shape"] == (1, 28, 28)
    assert torch.allclose(probs["logits"], torch.tensor([0.0, 2.0, 0.0]).softmax(0))
    assert torch.allclose(probs["probs"], torch.tensor([0.2, 0.8]))
    assert torch.allclose(probs["binary"], torch.tensor([0.5, 0.5]))


class ModeRecorder(torch.nn.Module):
    """A tiny model that notes whether it was in training mode each time it is called."""

    def __init__(self, fail: bool = False) -> None:
        super().__init__()
        self.linear, self.fail, self.modes = torch.nn.Linear(784, 10), fail, []

    def forward(self, x):
        self.modes.append(self.training)
        if self.fail:
            raise RuntimeError("broken on purpose")
        return self.linear(x.view(-1, 784))


def test_predict_probabilities_asks_a_module_in_eval_mode_and_puts_it_back():
    model = ModeRecorder().train()
    p = predict_probabilities(torch.rand(28, 28), {"m": model})["m"]
    assert model.modes == [False]          # no dropout, no batch-norm updates while predicting
    assert model.training                  # and back in training mode afterwards
    assert p.shape == (10,) and math.isclose(p.sum().item(), 1, rel_tol=1e-5)
    model.eval()
    predict_probabilities(torch.rand(28, 28), {"m": model})
    assert model.modes == [False, False] and not model.training   # a model in eval mode stays there
    broken = ModeRecorder(fail=True).train()
    with pytest.raises(RuntimeError, match="on purpose"):
        predict_probabilities(torch.rand(28, 28), {"m": broken})
    assert broken.modes == [False] and broken.training            # put back even when it fails


def test_predict_probabilities_bad_input():
    with pytest.raises(ValueError, match="dict of name"):
        predict_probabilities(torch.zeros(28, 28), {})
    with pytest.raises(ValueError, match=r"\[28, 28\]"):
        predict_probabilities(torch.zeros(20, 20), {"m": lambda x: x})
    with pytest.raises(ValueError, match=r"expected \[1, C\]"):
        predict_probabilities(torch.zeros(28, 28), {"m": lambda x: torch.zeros(2, 3, 4)})
    with pytest.raises(ValueError, match="must be a function"):
        predict_probabilities(torch.zeros(28, 28), {"m": 3})


def test_plot_predictions_titles_each_model_with_its_answer():
    fig = plot_predictions(torch.zeros(28, 28), {"a": torch.tensor([0.9, 0.1]), "b": torch.tensor([0.3, 0.7])},
                           classes=[3, 7])
    assert [ax.get_title() for ax in fig.axes] == ["what the models see", "a: 3 (90%)", "b: 7 (70%)"]


def test_draw_digit_predicts_when_the_canvas_sends_pixels(mnist_small):
    x, y, means = mnist_small
    box = helpers.draw_digit({"nearest mean": two_means_model(means), "uniform": lambda b: torch.zeros(len(b), 10)})
    canvas = box.canvas
    text, image = box.children[0].children[1].children
    assert (box.summary, box.plot) == (text, image)
    assert "Draw a digit" in text.value and image.value == b""
    # what the canvas sends for a drawing of test image 0 (a 7): 112x112 values 0..255
    big = torch.nn.functional.interpolate(x[:1, None].float(), size=(112, 112), mode="bilinear")[0, 0]
    canvas.pixels = big.round().clamp(0, 255).int().flatten().tolist()
    assert f"nearest mean: {y[0].item()}" in text.value and "uniform: 0 (10%)" in text.value
    assert image.value.startswith(PNG)
    canvas.pixels = []  # the Clear button
    assert "Draw a digit" in text.value and image.value == b""


def test_draw_digit_shows_a_broken_models_error_as_written():
    box = helpers.draw_digit({"broken": lambda: 0})  # forgot the argument: "<lambda>() takes 0 positional ..."
    box.canvas.pixels = [255] * (112 * 112)
    shown = visible_text(box.children[0].children[1].children[0].value)
    assert shown.startswith("A model failed: TypeError: "), shown
    assert shown.endswith("<lambda>() takes 0 positional arguments but 1 was given"), shown


def test_draw_digit_shows_model_and_class_names_as_written():
    box = helpers.draw_digit({"p<q & r": lambda b: torch.tensor([[0.0, 5.0]])}, classes=["<3", "<7>"])
    box.canvas.pixels = [255] * (112 * 112)
    assert visible_text(box.summary.value) == "p<q & r: <7> (99%)"


def test_draw_digit_bad_input():
    with pytest.raises(ValueError, match="dict of name"):
        helpers.draw_digit([lambda x: x])


def test_draw_digit_says_what_to_install_without_anywidget(monkeypatch):
    monkeypatch.setitem(sys.modules, "anywidget", None)  # makes `import anywidget` fail
    with pytest.raises(ImportError, match="pip install anywidget"):
        helpers.draw_digit({"m": lambda x: torch.zeros(len(x), 10)})
