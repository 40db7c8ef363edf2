"""Self-check exercises: `helpers.check(name, obj)` tries your code on a few fixed inputs.

It prints, in plain words, which checks passed and what went wrong, with a hint, and gives back
what the notebook goes on with: your code when every check passed, the course's own version
(the reference solution) until then, so an unfinished exercise never breaks a later cell. A
mistake in your code is reported, never raised; only an unknown exercise name raises a ValueError.

Each exercise below is data: how `check` calls your code, a reference solution, the cases (a
description and the inputs) and the known mistakes, each written as the wrong code itself with
the hint that fixes it. When your result differs from the reference's, `check` runs the known
mistakes on the same inputs: if one goes wrong in exactly the same way as yours, you get its hint.
The runner that does this is in _course/exercises_runner.py. A new exercise is an `Exercise` entry
here, its hidden grading cases in classroom/hidden_cases.py, and its name and a solution in
tests/test_exercises.py (CONTRIBUTING.md, "Adding an exercise").

>>> def relu(x):
...     return x.clamp_min(0.)
>>> relu = check("relu", relu)
Checking `relu`:
  ok  - a vector of negatives, zeros and positives
  ok  - a 3x4 matrix
  ok  - a single number (0-dim tensor)
All 3 checks passed. Well done!
From here on the notebook uses your `relu`.

`check` runs inside `torch.random.fork_rng`, so the `torch.manual_seed` calls below never
change the random numbers the rest of a notebook sees.
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from helpers._course.exercises_runner import Exercise, Problem, run_code, run_exercise, what_is_wrong

__all__ = ["check", "EXERCISES"]


def check(name: str, obj: Any) -> Any:
    """Try the learner's `obj` (a function, or the BasicOptim class) on the cases of exercise
    `name` and print a report. Return `obj` when every check passed, else the reference solution,
    so that the notebook goes on either way: `mnist_loss = helpers.check("mnist_loss", mnist_loss)`.

    Used at the end of each "Your turn" cell. An unknown `name` raises ValueError listing the
    known exercises.

    >>> mnist_distance = check("mnist_distance", lambda a, b: (a - b).mean((-1, -2)))
    Checking `mnist_distance`:
      FAIL - one image vs a mean image -> a single number
             expected 0.3301, got -0.001487.
             Hint: take the absolute value of the difference, `.abs()`, before averaging; otherwise + and - cancel out.
      FAIL - a batch of 5 images vs a mean image -> shape [5]
             wrong value at position [0]: expected 0.3301, got -0.001487 (5 of 5 values differ).
      ok  - an image vs itself -> 0
    Not yet: 1 of 3 checks passed. Fix the first FAIL above and run the cell again.
    Until then the notebook goes on with the course's own `mnist_distance`.
    >>> mnist_distance is EXERCISES["mnist_distance"].solution
    True
    """
    if name not in EXERCISES:
        raise ValueError(f"Unknown exercise {name!r}. Known exercises: {', '.join(EXERCISES)}.")
    exercise = EXERCISES[name]
    if run_exercise(exercise, name, obj):
        print(f"From here on the notebook uses your `{name}`.")
        return obj
    print(f"Until then the notebook goes on with the course's own `{name}`.")
    return exercise.solution


# ------------------------------------------------------------ the cases


def _images() -> list[tuple[str, tuple]]:
    torch.manual_seed(1)
    images = [torch.randint(0, 256, (28, 28), dtype=torch.uint8) for _ in range(3)]
    images[0][0, 0], images[1][0, 0] = 255, 0
    return [("three uint8 images -> float32 [3, 28, 28] in 0..1", (images,)),
            ("a list of one image -> [1, 28, 28]", (images[:1],))]


def _ink_images() -> list[tuple[str, tuple]]:
    torch.manual_seed(7)
    img = torch.randint(0, 256, (28, 28), dtype=torch.uint8)
    img[img < 200] = 0  # about a fifth of the pixels keep some ink, as in an MNIST digit
    return [("a uint8 image [28, 28] -> one number, the fraction of its pixels > 0", (img,)),
            ("a crop of 10 x 17 pixels (170 pixels, not 784)", (img[5:15, 3:20],)),
            ("a blank image -> 0", (torch.zeros(28, 28, dtype=torch.uint8),)),
            ("the same image as floats in 0..1 -> the same fraction", (img.float() / 255,))]


def _number_or_tensor(got: Any, expected: torch.Tensor) -> Problem | None:
    """ink_fraction may answer with a plain Python number (`.item()`) as well as a tensor."""
    if isinstance(got, (int, float)) and not isinstance(got, bool):
        got = torch.tensor(float(got))
    return what_is_wrong(got, expected)


def _distances() -> list[tuple[str, tuple]]:
    torch.manual_seed(2)
    batch, mean = torch.rand(5, 28, 28), torch.rand(28, 28)
    return [("one image vs a mean image -> a single number", (batch[0], mean)),
            ("a batch of 5 images vs a mean image -> shape [5]", (batch, mean)),
            ("an image vs itself -> 0", (mean, mean))]


def _predictions() -> list[tuple[str, tuple]]:
    torch.manual_seed(3)  # the predictions require grad, as a model's outputs do
    return [("raw predictions [0.9, 0.4, -0.2], targets [1, 0, 1]",
             (torch.tensor([0.9, 0.4, -0.2], requires_grad=True), torch.tensor([1, 0, 1]))),
            ("8 random predictions and 0/1 targets -> one number",
             ((torch.randn(8) * 2).requires_grad_(), torch.tensor([1, 0, 1, 1, 0, 0, 1, 0])))]


def _logits() -> list[tuple[str, tuple]]:
    torch.manual_seed(5)
    logits, targets = (torch.randn(6, 10) * 3).requires_grad_(), torch.randint(0, 10, (6,))
    huge = torch.tensor([[1000., -1000., 0.], [-1000., 1000., 500.], [0., 0., 1000.]], requires_grad=True)
    return [("6 rows of 10 random logits -> one number, equal to F.cross_entropy", (logits, targets)),
            ("a single row", (logits[:1], targets[:1])),
            ("huge logits (+-1000) stay finite: numerically stable", (huge, torch.tensor([0, 2, 1])))]


def _softmax_inputs() -> list[tuple[str, tuple]]:
    # Square inputs (and one row), on purpose: there, forgetting keepdim gives wrong numbers, which
    # earn its hint. With more classes than rows the shapes don't fit and the learner sees that error.
    torch.manual_seed(8)
    return [("4 rows of 4 random logits -> each row sums to 1", (torch.randn(4, 4) * 2,)),
            ("one row of 10 logits", (torch.randn(1, 10) * 2,)),
            ("3 rows, the first of equal logits -> 1/3 each in that row",
             (torch.tensor([[0., 0., 0.], [1., 2., 3.], [-1., 0., 5.]]),))]


def _relu_inputs() -> list[tuple[str, tuple]]:
    torch.manual_seed(6)
    return [("a vector of negatives, zeros and positives", (torch.tensor([-3., -0.5, 0., 0.5, 2.]),)),
            ("a 3x4 matrix", (torch.randn(3, 4),)),
            ("a single number (0-dim tensor)", (torch.tensor(-1.5),))]


def _layers() -> list[tuple[str, tuple]]:
    torch.manual_seed(7)
    def weights(n_in: int, n_hidden: int, n_out: int) -> tuple:
        return (torch.randn(n_in, n_hidden), torch.randn(n_hidden), torch.randn(n_hidden, n_out), torch.randn(n_out))
    return [("a batch of 4 rows of 784 pixels, 30 hidden units -> [4, 1]", (torch.rand(4, 784), *weights(784, 30, 1))),
            ("2 rows of 5 inputs, 3 hidden units, 2 outputs -> [2, 2]", (torch.randn(2, 5), *weights(5, 3, 2)))]


def _filter_inputs() -> list[tuple[str, tuple]]:
    torch.manual_seed(8)
    top_edge = torch.tensor([[-1., -1., -1.], [0., 0., 0.], [1., 1., 1.]])
    return [("a 5x5 image, the top-edge filter -> 3x3", (torch.rand(5, 5), top_edge)),
            ("a 28x28 digit-sized image, a random filter -> 26x26", (torch.rand(28, 28), torch.randn(3, 3))),
            ("a 4x6 image (not square) -> 2x4", (torch.rand(4, 6), torch.randn(3, 3)))]


def _apply_filter(image: torch.Tensor, filt: torch.Tensor) -> torch.Tensor:  # apply_filter's reference solution
    h, w = image.shape[0] - 2, image.shape[1] - 2
    out = torch.zeros(h, w)
    for row in range(h):
        for col in range(w):
            out[row, col] = (image[row:row + 3, col:col + 3] * filt).sum()
    return out


def _target_inputs() -> list[tuple[str, tuple]]:
    return [("labels [3, 0] of 10 digits, eps=0.1 -> [2, 10]", (torch.tensor([3, 0]), 10, 0.1)),
            ("labels [1, 0, 1] of 2 classes, eps=0.2 -> [3, 2]", (torch.tensor([1, 0, 1]), 2, 0.2)),
            ("eps=0: plain one-hot targets", (torch.tensor([9, 4]), 10, 0.0))]


def _smooth_targets(targets: torch.Tensor, n_classes: int, eps: float) -> torch.Tensor:  # the reference solution
    one_hot = torch.zeros(len(targets), n_classes)
    one_hot[torch.arange(len(targets)), targets] = 1.0
    return one_hot * (1 - eps) + eps / n_classes


def _batch_inputs() -> list[tuple[str, tuple]]:
    return [("10 items in batches of 4 -> 3 batches, the last of 2", (torch.arange(10) * 10, torch.arange(10), 4)),
            ("8 items in batches of 4 -> 2 batches", (torch.arange(8) * 10, torch.arange(8), 4)),
            ("3 items in batches of 5 -> 1 batch of 3", (torch.arange(3) * 10, torch.arange(3), 5))]


def _batches(x: torch.Tensor, y: torch.Tensor, bs: int):  # batches' reference solution, as notebook 07 folds it
    for i in range(0, len(x), bs):
        yield x[i:i + bs], y[i:i + bs]


def _run_batches(code: Any, x: torch.Tensor, y: torch.Tensor, bs: int) -> list | None:
    out = run_code(code, x, y, bs)
    if out is None:  # the `...` placeholder, or a loop without `yield`
        return None
    return run_code(lambda: [tuple(batch) for batch in out])  # a generator runs only when its items are asked for


def _batches_problem(got: Any, expected: list) -> Problem | None:
    if got is None:
        return ("it returned None instead of batches.",
                "replace the `...` with a loop over where each batch starts (a `range` with a step of bs) that "
                "`yield`s the two slices starting there, one of x and one of y.")
    if not isinstance(got, list) or not all(len(b) == 2 for b in got):
        return "it did not give (x batch, y batch) pairs.", "`yield` two slices each time, one of x and one of y."
    if len(got) != len(expected):
        return (f"it gave {len(got)} batch(es), expected {len(expected)}.",
                "go from 0 to len(x) in steps of bs, `range(0, len(x), bs)`: the last batch may be smaller.")
    for k, ((gx, gy), (ex, ey)) in enumerate(zip(got, expected)):
        if not (torch.equal(torch.as_tensor(gx), ex) and torch.equal(torch.as_tensor(gy), ey)):
            return (f"batch {k} holds x {torch.as_tensor(gx).tolist()}, expected {ex.tolist()}.",
                    "batch number k starts at i = k * bs: `x[i:i + bs], y[i:i + bs]`.")
    return None


def _conv_inputs() -> list[tuple[str, tuple]]:
    return [("the peer's first convolution: 1 channel in, 24 filters of 5x5, 28x28 -> 345,600", (1, 24, 5, 28)),
            ("its second: 24 channels in, 32 filters of 3x3, 12x12 -> 691,200", (24, 32, 3, 12)),
            ("a 1x1 filter keeps the size: 3 in, 2 out, 4x4 -> 96", (3, 2, 1, 4))]


def _conv_multiply_adds(c_in: int, c_out: int, kernel: int, size: int) -> int:  # the reference solution
    out = size - kernel + 1
    return c_out * out * out * c_in * kernel * kernel


# ------------------------------------------------------------ BasicOptim: a class, tried on a tiny model


class _BasicOptim:  # the reference solution, as in notebook 03
    def __init__(self, params, lr):
        self.params, self.lr = list(params), lr

    def step(self):
        with torch.no_grad():
            for p in self.params:
                p -= p.grad * self.lr

    def zero_grad(self):
        for p in self.params:
            p.grad = None


class _KeepsTheGenerator(_BasicOptim):
    def __init__(self, params, lr):
        self.params, self.lr = params, lr  # a generator: the first step() uses it up


class _Renames(_BasicOptim):
    def step(self):
        for p in self.params:
            p = p - p.grad * self.lr  # a new tensor called p; the parameter is unchanged


class _Uphill(_BasicOptim):
    def step(self):
        for p in self.params:
            p.data += p.grad * self.lr


class _NoLearningRate(_BasicOptim):
    def step(self):
        for p in self.params:
            p.data -= p.grad


class _NoZeroGrad(_BasicOptim):
    def zero_grad(self):
        pass


def _train(optimizer_class: type, actions: str) -> tuple[str, torch.Tensor]:
    """Make a tiny linear model, create the optimizer from a generator of its parameters (as
    `model.parameters()` is one), then do the `actions` in order. Returns ("gradients", the
    gradients) after a final zero_grad, else ("moved", how far the parameters moved)."""
    torch.manual_seed(4)
    w, b = torch.randn(3, requires_grad=True), torch.randn(1, requires_grad=True)
    x, y = torch.randn(6, 3), torch.randn(6)
    start = torch.cat([w, b]).detach()
    opt = run_code(optimizer_class, (p for p in (w, b)), 0.1)
    for action in actions.split():  # each runs the learner's code, so each goes through `run_code`
        if action == "backward":
            run_code(lambda: ((x @ w + b - y) ** 2).mean().backward())
        else:
            run_code(lambda: getattr(opt, action)())
    if actions.endswith("zero_grad"):
        return "gradients", torch.cat([torch.zeros_like(p) if p.grad is None else p.grad for p in (w, b)])
    return "moved", torch.cat([w, b]).detach() - start


def _optimizer_problem(got: tuple[str, torch.Tensor], expected: tuple[str, torch.Tensor]) -> Problem | None:
    (kind, got_values), (_, want) = got, expected
    if torch.allclose(got_values, want, atol=1e-6):
        return None
    if kind == "gradients":
        return ("the gradients are still there after zero_grad().",
                "set each `p.grad = None` (or `p.grad.zero_()`); otherwise the next backward() ADDS to them.")
    if not got_values.any():
        return ("the parameters did not change.",
                "change each parameter in place: `p -= p.grad * self.lr`, inside `with torch.no_grad():`.")
    moved, expected_move = (", ".join(f"{v:.4g}" for v in t.tolist()) for t in (got_values, want))
    return f"the parameters moved by [{moved}], expected [{expected_move}].", "the update is `p -= p.grad * self.lr`."


def _mlp() -> nn.Module:  # mlp's reference solution
    return nn.Sequential(nn.Linear(28 * 28, 250), nn.ReLU(), nn.Linear(250, 50), nn.ReLU(), nn.Linear(50, 10))


def _network(builder: Any, what: str, seed: int = 5) -> Any:
    """Build the learner's network with `builder()`. For "shapes": its parameters' shapes. For
    "scores": its scores for 4 images once every parameter has fixed values (the same values for the
    same shapes), so two networks agree only if their ReLUs sit in the same places."""
    if isinstance(builder, nn.Module):
        return ("a network, not a function",)
    net = run_code(builder)
    if not isinstance(net, nn.Module):
        return net if net is None or net is Ellipsis else ("not a network", type(net).__name__)
    if what == "fresh":  # a network made once and returned by every call would train on from where it stopped
        shared = {id(p) for p in net.parameters()} & {id(p) for p in run_code(builder).parameters()}
        return "shared" if shared else "fresh"
    if what == "shapes":
        return [tuple(p.shape) for p in net.parameters()]
    torch.manual_seed(seed)
    with torch.no_grad():
        for p in net.parameters():
            p.copy_(torch.randn(p.shape) * 0.1)
        return run_code(net, torch.rand(4, 28 * 28))


_MADE_ONCE: list[nn.Module] = []


def _the_same_network() -> nn.Module:  # a known mistake of mlp: one network, made once, returned by every call
    if not _MADE_ONCE:
        _MADE_ONCE.append(_mlp())
    return _MADE_ONCE[0]


def _network_problem(got: Any, expected: Any) -> Problem | None:
    if got is None or got is Ellipsis:
        return what_is_wrong(got, expected)
    if got == ("a network, not a function",):
        return ("you passed a network, not a function that makes one.",
                "put it inside a function, `def mlp(): return nn.Sequential(...)`, so each call makes a new one.")
    if expected == "fresh":
        return None if got == "fresh" else (
            "two calls gave back the same network, with the same weights.",
            "build the network inside `def mlp():` (`return nn.Sequential(...)`), so each call starts from new "
            "random weights; a network made once outside would carry on from where the last training stopped.")
    if isinstance(got, tuple) and got[:1] == ("not a network",):
        return (f"it returned a {got[1]}, not a network.",
                "return the network itself: `return nn.Sequential(nn.Linear(28*28, 250), nn.ReLU(), ...)`.")
    if isinstance(expected, list):
        if got == expected:
            return None
        return (f"its weights and biases have shapes {got}, expected {expected}.",
                "784 pixels in, then 250, then 50, then 10 scores out: each `nn.Linear(inputs, outputs)` takes "
                "as inputs the outputs of the layer before it.")
    return what_is_wrong(got, expected)


# ------------------------------------------------------------ the exercises

_LAST_TWO_AXES = "average over the LAST two axes (the rows and columns of pixels): `.mean((-1, -2))`."
_NOT_SQUARED = "this exercise asks for the mean ABSOLUTE difference (L1): `(a - b).abs().mean((-1, -2))`, no squares."
_N_BY_1 = ("predictions and targets have different shapes ([N] and [N, 1]), so broadcasting paired every item with "
           "every other in an [N, N] table: make both [N] with `.view(-1)`, then take `.mean()`.")
_STABLE = ("exp() of a large logit overflows to infinity: subtract each row's max before exp (the log-sum-exp "
           "trick): `m = z.max(1, keepdim=True).values; lse = m + (z - m).exp().sum(1, keepdim=True).log()`.")
_PICK = "pick, for each row, only the log-probability of its target class: `logp[torch.arange(len(targets)), targets]`."
_TARGETS_N_BY_1 = ("the targets (or the row numbers) had shape [N, 1], so indexing paired every row with every "
                   "target ([N, N]); use targets of shape [N]: `logp[torch.arange(len(targets)), targets]`.")
_LOG = "take the LOG of the softmax probability (log_softmax), not the probability itself."
_MEAN_NOT_SUM = "use `.mean()` rather than `.sum()`, so the loss does not grow with the batch size."
_MASK = "`x > 0` only says WHERE x is positive; keep the values: `x.clamp_min(0.)` or `x * (x > 0)`."


def _loss(p: torch.Tensor, t: torch.Tensor) -> torch.Tensor:  # mnist_loss's reference solution
    return torch.where(t == 1, 1 - p.sigmoid(), p.sigmoid()).mean()


def _cross_entropy(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:  # cross_entropy's reference solution
    m = logits.max(dim=1, keepdim=True).values
    log_softmax = logits - m - (logits - m).exp().sum(dim=1, keepdim=True).log()
    return -log_softmax[range(len(targets)), targets].mean()


def _rows(t: torch.Tensor) -> torch.Tensor:  # the row numbers 0..N-1, to pick one entry per row
    return torch.arange(len(t))


EXERCISES: dict[str, Exercise] = {
    "stack_and_scale": Exercise(  # notebook 01
        signature="`stack_and_scale(images)`", cases=_images,
        solution=lambda images: torch.stack(images).float() / 255,
        mistakes=[
            (lambda images: torch.stack(images), "convert to floats with `.float()`, then divide by 255."),
            (lambda images: torch.stack(images).float(), "scale to 0..1 by dividing by 255."),
            (lambda images: torch.stack(images).double() / 255,
             "use `.float()` (float32, the type models expect), not `.double()`."),
            (lambda images: torch.cat(images).float() / 255,
             "torch.cat joins images end to end; torch.stack puts them on a new first axis: [N, 28, 28]."),
            (lambda images: torch.stack(images, -1).float() / 255,
             "stack along a new FIRST axis (the default, dim=0): `torch.stack(images)`."),
        ]),
    "ink_fraction": Exercise(  # notebook 01
        signature="`ink_fraction(img)`", cases=_ink_images, compare=_number_or_tensor,
        solution=lambda img: (img > 0).float().mean(),
        mistakes=[
            (lambda img: (img > 0).sum(),
             "you counted the pixels with ink; a fraction divides that count by the number of pixels."),
            (lambda img: (img > 0).float().sum(),
             "that is how many pixels have ink, not which fraction of them: average instead of adding up."),
            (lambda img: (img > 0).sum() / 784,
             "784 is the size of a 28 x 28 image only: divide by the number of pixels of THIS image "
             "(`img.numel()`), or let `.mean()` count them."),
            (lambda img: img.float().mean(),
             "that is the average pixel VALUE (how dark the image is); the question is only WHETHER each pixel "
             "has ink: compare first, then count."),
            (lambda img: (img >= 0).float().mean(),
             "`>= 0` is True for every pixel (no pixel is negative): a pixel has ink when it is MORE than 0."),
            (lambda img: (img == 0).float().mean(), "that is the fraction of EMPTY pixels, the background."),
            (lambda img: (img > 0).float().mean(0),
             "`.mean(0)` gives one fraction per column; average over all the pixels: `.mean()` with no axis."),
        ]),
    "mnist_distance": Exercise(  # notebook 02
        signature="`mnist_distance(a, b)`", cases=_distances,
        solution=lambda a, b: (a - b).abs().mean((-1, -2)),
        mistakes=[
            (lambda a, b: (a - b).mean((-1, -2)),
             "take the absolute value of the difference, `.abs()`, before averaging; otherwise + and - cancel out."),
            (lambda a, b: ((a - b) ** 2).mean((-1, -2)), _NOT_SQUARED),
            (lambda a, b: ((a - b) ** 2).mean((-1, -2)).sqrt(), _NOT_SQUARED),
            (lambda a, b: (a - b).abs().sum((-1, -2)),
             "use `.mean` rather than `.sum`, so the distance does not depend on the image size."),
            (lambda a, b: (a - b).abs().mean(), "you averaged everything into one number; average over the last two "
             "axes only, `.mean((-1, -2))`, so each image in the batch gets its own distance."),
            (lambda a, b: (a - b).abs().mean(0), _LAST_TWO_AXES),
            (lambda a, b: (a - b).abs().mean((0, 1)), _LAST_TWO_AXES),
            (lambda a, b: (a - b).abs().mean(-1), _LAST_TWO_AXES),
        ]),
    "rmse_distance": Exercise(  # notebook 02
        signature="`rmse_distance(a, b)`", cases=_distances,
        solution=lambda a, b: ((a - b) ** 2).mean((-1, -2)).sqrt(),
        mistakes=[
            (lambda a, b: ((a - b) ** 2).mean((-1, -2)),
             "that is the mean squared error: take its square root at the end, `.sqrt()`, to come back to the "
             "scale of a pixel."),
            (lambda a, b: ((a - b) ** 2).sqrt().mean((-1, -2)),
             "this is the L1 distance (the square root of each square is just the absolute value): square, then "
             "average, and take the square root LAST."),
            (lambda a, b: ((a - b) ** 2).sum((-1, -2)).sqrt(),
             "that is the L2 norm, which grows with the number of pixels; RMSE takes the MEAN of the squares."),
            (lambda a, b: ((a - b) ** 2).mean().sqrt(), "you averaged everything into one number; average over the "
             "last two axes only, `.mean((-1, -2))`, so each image in the batch gets its own distance."),
            (lambda a, b: ((a - b) ** 2).mean(-1).sqrt(), _LAST_TWO_AXES),
            (lambda a, b: ((a - b).mean((-1, -2)) ** 2).sqrt(),
             "square each difference BEFORE averaging; averaging first lets + and - cancel out."),
        ]),
    "mnist_loss": Exercise(  # notebook 03
        signature="`mnist_loss(predictions, targets)`", cases=_predictions, solution=_loss,
        mistakes=[
            (lambda p, t: torch.where(t == 1, 1 - p.sigmoid(), p.sigmoid()),
             "you return one loss per item; finish with `.mean()` to get a single number."),
            (lambda p, t: torch.where(t[:, None] == 1, 1 - p.sigmoid(), p.sigmoid()), _N_BY_1),
            (lambda p, t: _loss(p, t[:, None]), _N_BY_1),
            (lambda p, t: _loss(p[:, None], t), _N_BY_1),
            (lambda p, t: torch.where(t == 1, 1 - p, p).mean(),
             "squash the raw predictions into 0..1 first: `predictions = predictions.sigmoid()`."),
            (lambda p, t: torch.where(t == 1, p.sigmoid(), 1 - p.sigmoid()).mean(),
             "the two cases are swapped: when the target is 1 the loss is `1 - predictions`."),
            (lambda p, t: torch.where(t == 1, 1 - p.sigmoid(), p.sigmoid()).sum(), _MEAN_NOT_SUM),
        ]),
    "BasicOptim": Exercise(  # notebook 03. Forgetting `with torch.no_grad():` raises an error: see ERROR_HINTS
        signature="`BasicOptim(params, lr)`, then `opt.step()` and `opt.zero_grad()`",
        solution=_BasicOptim, run=_train, compare=_optimizer_problem,
        cases=lambda: [
            ("BasicOptim(params, lr) can be created from model.parameters()", ("",)),
            ("step() moves each parameter by -lr * grad", ("backward step",)),
            ("zero_grad() clears the gradients", ("backward zero_grad",)),
            ("a second round of backward, step, zero_grad moves the parameters again",
             ("backward step zero_grad backward step",)),
        ],
        mistakes=[
            (_KeepsTheGenerator, "you stored `params` as given: `model.parameters()` is a generator, which runs out "
             "after one loop; store `list(params)` in __init__."),
            (_Renames, "`p = p - lr * p.grad` only gives the name p to a new tensor; change the parameter itself, "
             "in place: `p -= p.grad * self.lr` (inside `with torch.no_grad():`)."),
            (_Uphill, "you moved uphill: subtract the gradient, `p -= p.grad * self.lr`, to go down the loss."),
            (_NoLearningRate, "multiply the gradient by the learning rate: `p -= p.grad * self.lr`."),
            (_NoZeroGrad, "zero_grad() must clear each gradient: `p.grad = None` (or `p.grad.zero_()`); otherwise "
             "the next backward() ADDS to them."),
        ]),
    "cross_entropy": Exercise(  # notebook 04: the solution it folds, which agrees with F.cross_entropy
        signature="`cross_entropy(logits, targets)`", cases=_logits, solution=_cross_entropy,
        mistakes=[
            (lambda z, t: -(z.exp() / z.exp().sum(1, keepdim=True))[_rows(t), t].log().mean(), _STABLE),
            (lambda z, t: -(z - z.exp().sum(1, keepdim=True).log())[_rows(t), t].mean(), _STABLE),
            (lambda z, t: -z.log_softmax(1)[_rows(t), t], "you return one loss per item; finish with `.mean()`."),
            (lambda z, t: -z.log_softmax(1)[_rows(t), t].sum(), _MEAN_NOT_SUM),
            (lambda z, t: z.log_softmax(1)[_rows(t), t].mean(),
             "flip the sign: the loss is MINUS the log-probability of the right class."),
            (lambda z, t: -z.log_softmax(0)[_rows(t), t].mean(),
             "normalize over the classes (dim=1, along each row), not over the batch (dim=0)."),
            (lambda z, t: -z.softmax(1)[_rows(t), t].mean(), _LOG),
            (lambda z, t: (1 - z.softmax(1)[_rows(t), t]).mean(), _LOG),
            (lambda z, t: -z.log_softmax(1), _PICK),
            (lambda z, t: -z.log_softmax(1).mean(), _PICK),
            (lambda z, t: -z.log_softmax(1)[_rows(t), t[:, None]].mean(), _TARGETS_N_BY_1),
            (lambda z, t: -z.log_softmax(1)[_rows(t)[:, None], t].mean(), _TARGETS_N_BY_1),
        ]),
    "softmax": Exercise(  # notebook 04
        signature="`softmax(x)`", cases=_softmax_inputs,
        solution=lambda x: x.exp() / x.exp().sum(dim=1, keepdim=True),
        mistakes=[
            (lambda x: x.exp() / x.exp().sum(dim=0, keepdim=True),
             "dim=0 adds up each COLUMN (down the batch); each ROW, the classes of one item, must sum to 1: "
             "sum over dim=1."),
            (lambda x: x.exp() / x.exp().sum(dim=1),
             "`.sum(dim=1)` has shape [N], and broadcasting lines it up with the LAST axis, the classes: column j "
             "is divided by row j's total (and when the rows and classes differ in number, the shapes don't fit "
             "at all). `keepdim=True` keeps it [N, 1]: one total per row."),
            (lambda x: x.exp() / x.exp().sum(),
             "you divided by the total of the whole batch, so the whole table sums to 1; divide each row by its "
             "own total."),
            (lambda x: x / x.sum(dim=1, keepdim=True),
             "exponentiate first, `x.exp()`: logits can be negative or 0, exponentials are always positive, so "
             "the probabilities come out between 0 and 1."),
        ]),
    "relu": Exercise(  # notebook 05
        signature="`relu(x)`", cases=_relu_inputs, solution=lambda x: x.clamp_min(0.),
        mistakes=[
            (lambda x: x > 0, _MASK),
            (lambda x: (x > 0).float(), _MASK),
            (lambda x: x.abs(), "negative numbers become 0, not positive: `x.clamp_min(0.)`."),
            (lambda x: x.clamp_max(0.), "you kept the negatives; ReLU keeps the positives: `x.clamp_min(0.)`."),
            (lambda x: x.max().clamp_min(0.),
             "ReLU works element by element and keeps the shape: `x.clamp_min(0.)`, not a max over the tensor."),
        ]),
    "two_layers": Exercise(  # notebook 05
        signature="`two_layers(xb, w1, b1, w2, b2)`", cases=_layers,
        solution=lambda xb, w1, b1, w2, b2: (xb @ w1 + b1).clamp_min(0.) @ w2 + b2,
        mistakes=[
            (lambda xb, w1, b1, w2, b2: (xb @ w1 + b1) @ w2 + b2,
             "there is no ReLU between the layers: `res.clamp_min(0.)` (or `F.relu(res)`) after the first one."),
            (lambda xb, w1, b1, w2, b2: ((xb @ w1 + b1) @ w2 + b2).clamp_min(0.),
             "the ReLU goes BETWEEN the two layers, not after the second: the score must be able to be negative."),
            (lambda xb, w1, b1, w2, b2: (xb @ w1).clamp_min(0.) @ w2,
             "you left out the biases: `xb @ w1 + b1`, then `... @ w2 + b2`."),
        ]),
    "mlp": Exercise(  # notebook 05
        signature="`mlp()`", solution=_mlp, run=_network, compare=_network_problem,
        cases=lambda: [("784 -> 250 -> 50 -> 10: the shapes of the weights and biases", ("shapes",)),
                       ("a ReLU after each hidden layer, none after the last: the scores for 4 images", ("scores",)),
                       ("each call makes a new network, with weights of its own", ("fresh",))],
        mistakes=[
            (lambda: nn.Sequential(nn.Linear(28 * 28, 250), nn.Linear(250, 50), nn.Linear(50, 10)),
             "there are no ReLUs: without them the three layers collapse into one linear layer. Put `nn.ReLU()` "
             "after each of the first two."),
            (lambda: nn.Sequential(nn.Linear(28 * 28, 250), nn.ReLU(), nn.Linear(250, 50), nn.ReLU(),
                                   nn.Linear(50, 10), nn.ReLU()),
             "no ReLU after the last layer: the 10 scores must be able to be negative (cross-entropy's softmax "
             "takes any numbers)."),
            (lambda: nn.Sequential(nn.Linear(28 * 28, 250), nn.ReLU(), nn.Linear(250, 50), nn.Linear(50, 10)),
             "a ReLU goes after EACH hidden layer: after the 250 and after the 50."),
            (_the_same_network,
             "build the network inside `def mlp():` (`return nn.Sequential(...)`), so each call starts from new "
             "random weights; a network made once outside would carry on from where the last training stopped."),
        ]),
    "apply_filter": Exercise(  # notebook 06
        signature="`apply_filter(image, filt)`", cases=_filter_inputs, solution=_apply_filter,
        mistakes=[
            (lambda image, filt: (image[:3, :3] * filt).sum(),
             "that is the filter at ONE position (the top left): do it at every (row, col) and fill an output "
             "of (height - 2) x (width - 2)."),
            (lambda image, filt: torch.stack([torch.stack([(image[r:r + 3, c:c + 3] @ filt).sum()
                                                           for c in range(image.shape[1] - 2)])
                                              for r in range(image.shape[0] - 2)]),
             "`@` multiplies matrices; a convolution multiplies the 9 pairs of numbers one by one: "
             "`(image[row:row+3, col:col+3] * filt).sum()`."),
        ]),
    "smooth_targets": Exercise(  # notebook 06
        signature="`smooth_targets(targets, n_classes, eps)`", cases=_target_inputs, solution=_smooth_targets,
        mistakes=[
            (lambda t, n, eps: _smooth_targets(t, n, 0.0),
             "those are plain one-hot targets: take `eps` off the 1 and share it over all the classes: "
             "`one_hot * (1 - eps) + eps / n_classes`."),
            (lambda t, n, eps: _smooth_targets(t, n, 0.0) * (1 - eps) + eps / (n - 1),
             "fastai shares `eps` over ALL the classes, the right one included: `eps / n_classes`, so each "
             "row still adds up to 1."),
        ]),
    "batches": Exercise(  # notebook 07
        signature="`batches(x, y, bs)`", cases=_batch_inputs, solution=_batches, run=_run_batches,
        compare=_batches_problem,
        mistakes=[
            (lambda x, y, bs: ((x[i:i + bs], y[i:i + bs]) for i in range(0, len(x) - bs + 1, bs)),
             "you dropped the last, smaller batch: `range(0, len(x), bs)` keeps every item."),
            (lambda x, y, bs: ((x[i:bs], y[i:bs]) for i in range(0, len(x), bs)),
             "a slice's end is where it stops, not how long it is: `x[i:i + bs]`, not `x[i:bs]`."),
        ]),
    "conv_multiply_adds": Exercise(  # notebook 07
        signature="`conv_multiply_adds(c_in, c_out, kernel, size)`", cases=_conv_inputs, solution=_conv_multiply_adds,
        mistakes=[
            (lambda c_in, c_out, k, size: c_out * size * size * c_in * k * k,
             "the output is smaller than the input: a k x k filter fits in `size - kernel + 1` places each way."),
            (lambda c_in, c_out, k, size: c_out * (size - k + 1) ** 2 * k * k,
             "each filter looks at every input channel: multiply by `c_in` too."),
            (lambda c_in, c_out, k, size: c_out * (size - k + 1) ** 2 * c_in * k,
             "a k x k filter has k * k weights per channel, not k."),
        ]),
}
