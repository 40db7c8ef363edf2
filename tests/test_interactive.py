"""helpers.interactive: the logic behind the widgets, and the widgets driven from Python.

(The same widgets are driven in a real browser by tests/browser/browser_interactive.py.)
"""

from __future__ import annotations

import math

import pytest
import torch

import helpers
from helpers import interactive as I

PNG = b"\x89PNG"


# ------------------------------------------------------------------ (a) learning rate


def test_sgd_quadratic_shapes_and_determinism():
    run = I.sgd_quadratic(1e-5, steps=10)
    assert run.params.shape == (11, 3) and run.losses.shape == (11,)
    assert run.time.tolist() == list(range(20))
    again = I.sgd_quadratic(1e-5, steps=10)
    assert torch.equal(run.losses, again.losses) and torch.equal(run.params, again.params)
    # every learning rate starts from the same data and parameters
    other = I.sgd_quadratic(1e-6, steps=10)
    assert torch.equal(run.speed, other.speed) and torch.equal(run.params[0], other.params[0])


def test_sgd_quadratic_follows_the_update_rule():
    lr = 1e-5
    run = I.sgd_quadratic(lr, steps=1)
    p = run.params[0].clone().requires_grad_()
    loss = ((p[0] * run.time ** 2 + p[1] * run.time + p[2] - run.speed) ** 2).mean()
    loss.backward()
    assert torch.allclose(run.params[1], p.detach() - lr * p.grad)
    assert math.isclose(run.losses[0].item(), loss.item(), rel_tol=1e-6)


def test_sgd_quadratic_good_small_and_too_large_learning_rates():
    good, small, large = I.sgd_quadratic(1e-5), I.sgd_quadratic(1e-6), I.sgd_quadratic(3e-4)
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
    I.sgd_quadratic(1e-5)
    assert torch.equal(torch.rand(2), a)


@pytest.mark.parametrize("lr,steps", [(0, 5), (-1e-5, 5), (float("nan"), 5), ("fast", 5), (1e-5, 0), (1e-5, 2.5)])
def test_sgd_quadratic_bad_input(lr, steps):
    with pytest.raises(ValueError, match="must be"):
        I.sgd_quadratic(lr, steps)


def test_plot_sgd_run_draws_fit_and_loss_even_when_diverged():
    for lr in (1e-5, 3e-4):
        fig = I.plot_sgd_run(I.sgd_quadratic(lr))
        assert len(fig.axes) == 2
        assert fig.axes[1].get_yscale() == "log"
        assert I.figure_to_png(fig).startswith(PNG)
    assert fig.axes[1].get_title() == "diverged"


def test_lr_explorer_updates_the_text_and_the_plot_when_the_slider_moves():
    box = helpers.lr_explorer()
    lr_slider, step_slider = box.children[0].children
    text, image = box.children[1], box.children[2]
    assert "lr=1e-5" in text.value and "settled" in text.value
    before = image.value
    assert before.startswith(PNG)
    lr_slider.value = 3e-4
    assert "lr=3e-4" in text.value and "diverged" in text.value
    assert image.value != before
    step_slider.value = 5
    assert "in 5 steps" in text.value or "diverged" in text.value


def test_lr_explorer_bad_input():
    with pytest.raises(ValueError, match="at least one"):
        helpers.lr_explorer(lrs=())


# ------------------------------------------------------------------ (b) distances to the mean digits


@pytest.fixture(scope="module")
def mnist_small():
    x, y = helpers.load_mnist("full", "test")
    x, y = x[:500], y[:500]
    means = torch.stack([x[y == c].float().mean(0) / 255 for c in range(10)])
    return x, y, means


def test_distances_to_each_mean_matches_by_hand(mnist_small):
    x, y, means = mnist_small
    d = I.distances_to_each_mean(x[0], means)
    assert d.shape == (10,)
    by_hand = torch.tensor([(x[0].float() / 255 - means[c]).abs().mean().item() for c in range(10)])
    assert torch.allclose(d, by_hand, atol=1e-6)
    assert I.distances_to_each_mean(means[3], means).argmin().item() == 3
    assert I.distances_to_each_mean(means[3], means)[3].item() == 0


def test_distances_to_each_mean_bad_shapes(mnist_small):
    x, _, means = mnist_small
    with pytest.raises(ValueError, match=r"one image \[H, W\]"):
        I.distances_to_each_mean(x[:2], means)
    with pytest.raises(ValueError, match=r"means must be \[C, H, W\]"):
        I.distances_to_each_mean(x[0], means[0])
    with pytest.raises(ValueError, match="must be a tensor"):
        I.distances_to_each_mean([[0.0]], means)


def test_digit_explorer_follows_the_slider(mnist_small):
    x, y, means = mnist_small
    box = helpers.digit_explorer(x, y, means)
    slider, text, image = box.children
    assert slider.max == 499
    assert f"image 0: label {y[0].item()}" in text.value
    before = image.value
    assert before.startswith(PNG)
    slider.value = 7
    assert f"image 7: label {y[7].item()}" in text.value
    nearest = I.distances_to_each_mean(x[7], means).argmin().item()
    assert f"nearest mean {nearest}" in text.value
    assert image.value != before


def test_digit_explorer_with_two_classes_and_bad_input(mnist_small):
    x, y, means = mnist_small
    keep = (y == 3) | (y == 7)
    box = helpers.digit_explorer(x[keep], y[keep], means[[3, 7]], classes=[3, 7])
    assert "nearest mean 3" in box.children[1].value or "nearest mean 7" in box.children[1].value
    with pytest.raises(ValueError, match="one per mean"):
        helpers.digit_explorer(x, y, means, classes=[3, 7])
    with pytest.raises(ValueError, match="one label per image"):
        helpers.digit_explorer(x, y[:10], means)


# ------------------------------------------------------------------ (c) draw a digit


def test_center_like_mnist_fits_a_20_box_and_centres_the_mass():
    d = torch.zeros(112, 112)
    d[5:60, 80:100] = 1.0  # a blob in the top right corner
    out = I.center_like_mnist(d)
    assert out.shape == (28, 28) and out.min() >= 0 and out.max() <= 1
    rows, cols = (out > 0.05).any(1).nonzero(), (out > 0.05).any(0).nonzero()
    assert rows.max() - rows.min() + 1 <= 21 and cols.max() - cols.min() + 1 <= 21
    assert rows.max() - rows.min() + 1 >= 19  # the longer side fills the box
    r = (out.sum(1) * torch.arange(28)).sum() / out.sum()
    c = (out.sum(0) * torch.arange(28)).sum() / out.sum()
    assert abs(r - 14) <= 0.75 and abs(c - 14) <= 0.75


def test_center_like_mnist_empty_uint8_and_bad_input():
    assert torch.equal(I.center_like_mnist(torch.zeros(50, 50)), torch.zeros(28, 28))
    u8 = torch.zeros(56, 56, dtype=torch.uint8)
    u8[10:40, 20:30] = 255
    assert I.center_like_mnist(u8).max() > 0.9
    with pytest.raises(ValueError, match="one drawing"):
        I.center_like_mnist(torch.zeros(2, 28, 28))


def test_center_like_mnist_turns_a_real_digit_back_into_itself(mnist_small):
    x, _, _ = mnist_small
    diffs = []
    for i in range(20):
        img = x[i].float() / 255
        big = torch.nn.functional.interpolate(img[None, None], size=(112, 112), mode="bilinear")[0, 0]
        diffs.append((I.center_like_mnist(big) - img).abs().mean().item())
    # MNIST digits are already in this form, so the result is close to the original
    # (the mean pixel of an MNIST digit is about 0.13; a one-pixel shift costs about 0.05)
    assert sum(diffs) / len(diffs) < 0.04, diffs


def test_predict_probabilities_logits_probabilities_and_binary():
    img = torch.zeros(28, 28)
    seen = {}

    def logits(x):
        seen["shape"] = tuple(x.shape)
        return torch.tensor([[0.0, 2.0, 0.0]])

    probs = I.predict_probabilities(img, {
        "logits": logits,
        "probs": lambda x: torch.tensor([[0.2, 0.8]]),
        "binary": lambda x: torch.tensor([[0.0]]),
    })
    assert seen["shape"] == (1, 28, 28)
    assert torch.allclose(probs["logits"], torch.tensor([0.0, 2.0, 0.0]).softmax(0))
    assert torch.allclose(probs["probs"], torch.tensor([0.2, 0.8]))
    assert torch.allclose(probs["binary"], torch.tensor([0.5, 0.5]))


def test_predict_probabilities_puts_a_module_in_eval_mode_and_back():
    model = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Dropout(0.5), torch.nn.Linear(784, 10))
    model.train()
    p1 = I.predict_probabilities(torch.rand(28, 28), {"m": model})["m"]
    assert model.training and p1.shape == (10,) and math.isclose(p1.sum().item(), 1, rel_tol=1e-5)


def test_predict_probabilities_bad_input():
    with pytest.raises(ValueError, match="dict of name"):
        I.predict_probabilities(torch.zeros(28, 28), {})
    with pytest.raises(ValueError, match=r"\[28, 28\]"):
        I.predict_probabilities(torch.zeros(20, 20), {"m": lambda x: x})
    with pytest.raises(ValueError, match=r"expected \[1, C\]"):
        I.predict_probabilities(torch.zeros(28, 28), {"m": lambda x: torch.zeros(2, 3, 4)})
    with pytest.raises(ValueError, match="must be a function"):
        I.predict_probabilities(torch.zeros(28, 28), {"m": 3})


def test_draw_digit_predicts_when_the_canvas_sends_pixels(mnist_small):
    x, y, means = mnist_small
    box = helpers.draw_digit({
        "nearest mean": lambda b: -50 * (b[:, None] - means).abs().mean((-1, -2)),
        "uniform": lambda b: torch.zeros(len(b), 10),
    })
    canvas = box.canvas
    text, image = box.children[0].children[1].children
    assert "Draw a digit" in text.value and image.value == b""
    # what the canvas sends for a drawing of test image 0 (a 7): 112x112 values 0..255
    big = torch.nn.functional.interpolate(x[:1, None].float(), size=(112, 112), mode="bilinear")[0, 0]
    canvas.pixels = big.round().clamp(0, 255).int().flatten().tolist()
    assert f"nearest mean: {y[0].item()}" in text.value and "uniform: 0 (10%)" in text.value
    assert image.value.startswith(PNG)
    canvas.pixels = []  # the Clear button
    assert "Draw a digit" in text.value


def test_draw_digit_reports_a_broken_model_in_the_widget():
    box = helpers.draw_digit({"broken": lambda b: b.no_such_thing()})
    box.canvas.pixels = [255] * (112 * 112)
    assert "A model failed: AttributeError" in box.children[0].children[1].children[0].value


def test_draw_digit_bad_input():
    with pytest.raises(ValueError, match="dict of name"):
        helpers.draw_digit([lambda x: x])


def test_draw_digit_says_what_to_install_without_anywidget(monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "anywidget", None)  # makes `import anywidget` fail
    with pytest.raises(ImportError, match="pip install anywidget"):
        helpers.draw_digit({"m": lambda x: torch.zeros(len(x), 10)})
