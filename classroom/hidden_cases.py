"""The grader's own cases: new inputs, drawn from the teacher's seed, that a student never sees.

`helpers.check` shows a student its cases (and the reference solutions ship in the installed
package, since the fallback needs them), so code written to pass exactly the visible cases could
pass them all. The grader (classroom/grade.py) adds these: the same kinds of input with other
shapes and values, drawn from `--seed`, compared with the reference solution by the same checker.
Pick your own seed for a graded class; a student who reads this file still can't know your inputs.

>>> [what for what, _ in HIDDEN["conv_multiply_adds"](0)][:1]
['a hidden convolution (seeded)']
"""

from __future__ import annotations

from collections.abc import Callable

import torch

Cases = list[tuple[str, tuple]]


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _size(g: torch.Generator, low: int, high: int) -> int:
    return int(torch.randint(low, high + 1, (), generator=g))


def _images(seed: int) -> Cases:
    g = _gen(seed)
    n, h, w = _size(g, 2, 6), _size(g, 5, 28), _size(g, 5, 28)
    return [(f"{n} hidden uint8 images of {h}x{w}", ([torch.randint(0, 256, (h, w), dtype=torch.uint8, generator=g)
                                                       for _ in range(n)],))]


def _ink(seed: int) -> Cases:
    g = _gen(seed)
    img = torch.randint(0, 256, (_size(g, 6, 28), _size(g, 6, 28)), dtype=torch.uint8, generator=g)
    img[img < 180] = 0
    return [("a hidden uint8 image", (img,)), ("the same image as floats", (img.float() / 255,))]


def _two_images(seed: int) -> Cases:
    g = _gen(seed)
    n, h, w = _size(g, 2, 7), _size(g, 4, 28), _size(g, 4, 28)
    batch, mean = torch.rand(n, h, w, generator=g), torch.rand(h, w, generator=g)
    return [(f"a hidden batch of {n} images of {h}x{w} vs a mean image", (batch, mean)),
            ("one hidden image vs a mean image", (batch[0], mean))]


def _predictions(seed: int) -> Cases:
    g = _gen(seed)
    n = _size(g, 3, 12)
    preds = (torch.randn(n, generator=g) * 3).requires_grad_()
    return [(f"{n} hidden predictions and targets", (preds, torch.randint(0, 2, (n,), generator=g)))]


def _optimizer(seed: int) -> Cases:
    rounds = 2 + seed % 3
    return [(f"{rounds} hidden rounds of backward, step, zero_grad",
             (" ".join(["backward step zero_grad"] * rounds) + " backward step",))]


def _logits(seed: int) -> Cases:
    g = _gen(seed)
    n, k = _size(g, 2, 9), _size(g, 3, 12)
    logits = (torch.randn(n, k, generator=g) * 5).requires_grad_()
    big = (torch.randn(n, k, generator=g) * 800).requires_grad_()
    targets = torch.randint(0, k, (n,), generator=g)
    return [(f"hidden logits [{n}, {k}]", (logits, targets)), ("hidden huge logits", (big, targets))]


def _softmax(seed: int) -> Cases:
    g = _gen(seed)
    n = _size(g, 2, 8)
    return [(f"hidden logits [{n}, {n}]", (torch.randn(n, n, generator=g) * 3,)),
            ("hidden logits [1, 7]", (torch.randn(1, 7, generator=g),))]


def _relu(seed: int) -> Cases:
    g = _gen(seed)
    return [("a hidden tensor [2, 3, 4]", (torch.randn(2, 3, 4, generator=g),))]


def _layers(seed: int) -> Cases:
    g = _gen(seed)
    n, n_in, n_hidden, n_out = _size(g, 1, 6), _size(g, 2, 20), _size(g, 2, 16), _size(g, 1, 4)
    args = (torch.randn(n, n_in, generator=g), torch.randn(n_in, n_hidden, generator=g),
            torch.randn(n_hidden, generator=g), torch.randn(n_hidden, n_out, generator=g), torch.randn(n_out, generator=g))
    return [(f"hidden layers {n_in} -> {n_hidden} -> {n_out}", args)]


def _network(seed: int) -> Cases:
    return [("hidden weights and images (seeded)", ("scores", 1000 + seed))]


def _filter(seed: int) -> Cases:
    g = _gen(seed)
    image = torch.rand(_size(g, 3, 12), _size(g, 3, 12), generator=g)
    return [(f"a hidden {image.shape[0]}x{image.shape[1]} image", (image, torch.randn(3, 3, generator=g)))]


def _targets(seed: int) -> Cases:
    g = _gen(seed)
    k, n = _size(g, 2, 12), _size(g, 1, 6)
    eps = round(float(torch.rand((), generator=g)) * 0.3, 3)
    return [(f"{n} hidden labels of {k} classes, eps={eps}", (torch.randint(0, k, (n,), generator=g), k, eps))]


def _batch_sizes(seed: int) -> Cases:
    g = _gen(seed)
    n, bs = _size(g, 1, 30), _size(g, 1, 9)
    return [(f"{n} hidden items in batches of {bs}", (torch.arange(n) * 3, torch.arange(n), bs))]


def _conv(seed: int) -> Cases:
    g = _gen(seed)
    k = _size(g, 1, 5)
    return [("a hidden convolution (seeded)", (_size(g, 1, 64), _size(g, 1, 64), k, _size(g, k, 32)))]


HIDDEN: dict[str, Callable[[int], Cases]] = {
    "stack_and_scale": _images, "ink_fraction": _ink, "mnist_distance": _two_images, "rmse_distance": _two_images,
    "mnist_loss": _predictions, "BasicOptim": _optimizer, "cross_entropy": _logits, "softmax": _softmax,
    "relu": _relu, "two_layers": _layers, "mlp": _network, "apply_filter": _filter, "smooth_targets": _targets,
    "batches": _batch_sizes, "conv_multiply_adds": _conv,
}
