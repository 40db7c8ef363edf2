"""helpers.check: right answers pass, the classic wrong ones fail with a plain-words hint."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

import helpers
from helpers.exercises import EXERCISES

NAMES = ["stack_and_scale", "ink_fraction", "mnist_distance", "rmse_distance", "mnist_loss", "BasicOptim",
         "cross_entropy", "softmax", "relu", "two_layers", "mlp", "apply_filter", "smooth_targets",
         "batches", "conv_multiply_adds"]


def run(capsys: pytest.CaptureFixture, name: str, obj) -> tuple[bool, str]:
    """Check `obj`; ok is True when check gave back `obj` itself (the notebook goes on with it)."""
    used = helpers.check(name, obj)
    out = capsys.readouterr().out
    ok = used is obj
    if not ok:  # the notebook goes on with the reference, and says so
        assert used is EXERCISES[name].solution
        assert f"goes on with the course's own `{name}`" in out, out
    else:
        assert f"the notebook uses your `{name}`" in out, out
    assert out.startswith((f"Checking `{name}`:", f"`{name}` is not written yet"))
    assert "Traceback" not in out and 'File "' not in out  # plain words, never a traceback
    return ok, out


def fails_with(capsys, name, obj, *phrases: str) -> str:
    ok, out = run(capsys, name, obj)
    assert ok is False, out
    assert "FAIL" in out and "Hint:" in out and "Not yet:" in out, out
    for phrase in phrases:
        assert phrase in out, f"{phrase!r} not in:\n{out}"
    return out


def hint_lines(out: str) -> str:
    return "\n".join(line for line in out.splitlines() if "Hint:" in line)


def passes(capsys, name, obj) -> str:
    ok, out = run(capsys, name, obj)
    assert ok is True, out
    assert "FAIL" not in out and "Well done!" in out
    return out


# ------------------------------------------------------------------ solutions


def stack_and_scale(images):
    return torch.stack(images).float() / 255


def ink_fraction(img):
    return (img > 0).float().mean()


def mnist_distance(a, b):
    return (a - b).abs().mean((-1, -2))


def rmse_distance(a, b):
    return ((a - b) ** 2).mean((-1, -2)).sqrt()


def mnist_loss(predictions, targets):
    predictions = predictions.sigmoid()
    return torch.where(targets == 1, 1 - predictions, predictions).mean()


class BasicOptim:
    def __init__(self, params, lr):
        self.params, self.lr = list(params), lr

    def step(self, *args, **kwargs):
        for p in self.params:
            p.data -= p.grad.data * self.lr

    def zero_grad(self, *args, **kwargs):
        for p in self.params:
            p.grad = None


class BasicOptimNoGradBlock(BasicOptim):  # the other correct way: torch.no_grad and an in-place op
    def step(self):
        with torch.no_grad():
            [p.sub_(p.grad, alpha=self.lr) for p in self.params]

    def zero_grad(self):
        [p.grad.zero_() for p in self.params]


def cross_entropy(logits, targets):
    m = logits.max(1, keepdim=True).values
    logsumexp = m.squeeze(1) + (logits - m).exp().sum(1).log()
    return (logsumexp - logits[torch.arange(len(targets)), targets]).mean()


def softmax(x):
    return x.exp() / x.exp().sum(dim=1, keepdim=True)


def relu(x):
    return x.clamp_min(0.)


def two_layers(xb, w1, b1, w2, b2):
    return torch.relu(xb @ w1 + b1) @ w2 + b2


def mlp():
    return torch.nn.Sequential(torch.nn.Linear(784, 250), torch.nn.ReLU(), torch.nn.Linear(250, 50),
                               torch.nn.ReLU(), torch.nn.Linear(50, 10))


def apply_filter(image, filt):
    windows = image.unfold(0, 3, 1).unfold(1, 3, 1)  # [rows-2, cols-2, 3, 3]: every 3x3 window
    return (windows * filt).sum((-1, -2))


def smooth_targets(targets, n_classes, eps):
    return F.one_hot(targets, n_classes).float() * (1 - eps) + eps / n_classes


def batches(x, y, bs):
    for i in range(0, len(x), bs):
        yield x[i:i + bs], y[i:i + bs]


def conv_multiply_adds(c_in, c_out, kernel, size):
    return c_out * (size - kernel + 1) ** 2 * c_in * kernel ** 2


def _conv_flops_by_pytorch(c_in, c_out, kernel, size):
    from torch.utils.flop_counter import FlopCounterMode
    with FlopCounterMode(display=False) as counter:
        torch.nn.Conv2d(c_in, c_out, kernel, bias=False)(torch.zeros(1, c_in, size, size))
    return counter.get_total_flops() // 2  # PyTorch counts 2 FLOPs per multiply-add


SOLUTIONS = {
    "stack_and_scale": stack_and_scale, "ink_fraction": ink_fraction, "mnist_distance": mnist_distance,
    "rmse_distance": rmse_distance, "mnist_loss": mnist_loss, "BasicOptim": BasicOptim,
    "cross_entropy": cross_entropy, "softmax": softmax, "relu": relu,
    "two_layers": two_layers, "mlp": mlp, "apply_filter": apply_filter, "smooth_targets": smooth_targets,
    "batches": batches, "conv_multiply_adds": conv_multiply_adds,
}


@pytest.mark.parametrize("name", NAMES)
def test_solutions_pass(capsys, name):
    passes(capsys, name, SOLUTIONS[name])


def test_all_names_are_known():
    assert sorted(EXERCISES) == sorted(NAMES)


def test_unknown_name_raises_value_error_listing_the_known_ones():
    with pytest.raises(ValueError, match="Known exercises: stack_and_scale, ink_fraction, mnist_distance"):
        helpers.check("mnist_distanse", mnist_distance)


@pytest.mark.parametrize("name", NAMES)
def test_the_untouched_template_says_what_to_do_and_lists_no_fails(capsys, name):
    def template(*args):
        ...  # your code here: replace `...`

    class Template:
        ...  # your code here: replace `...`
    ok, out = run(capsys, name, Template if name == "BasicOptim" else template)
    assert ok is False
    assert out.splitlines() == [
        f"`{name}` is not written yet: replace the `...` with your code, then run this cell again.",
        f"Until then the notebook goes on with the course's own `{name}`."]


@pytest.mark.parametrize("name", NAMES)
def test_a_started_attempt_that_returns_nothing_is_reported_not_raised(capsys, name):
    def template(*args):
        started = args  # your code here: begun, but no `return` yet

    class Template:
        pass
    if name == "BasicOptim":
        out = fails_with(capsys, name, Template, "takes no arguments", "no `__init__` yet", "is `...` still there?",
                         "the checker calls `BasicOptim(params, lr)`")
    elif name == "batches":  # a generator: the placeholder gives no batches at all
        out = fails_with(capsys, name, template, "returned None instead of batches", "replace the `...`", "yield")
    else:
        out = fails_with(capsys, name, template, "returned None", "did you forget `return`?", "`...` placeholder")
    # the old hint for the class said "read the error above ... print the shapes": no fit
    assert "read the error above" not in out and "shape" not in hint_lines(out)
    assert "ok  -" not in out  # nothing passes for a template (relu used to pass "the input is left unchanged")


@pytest.mark.parametrize("name", NAMES)
def test_passing_none(capsys, name):
    kind = "class" if name == "BasicOptim" else "function"
    out = fails_with(capsys, name, None, "you passed None", f"pass your {kind} itself")
    assert "if it is a function" not in out


@pytest.mark.parametrize("name", NAMES)
def test_passing_the_result_instead_of_the_function(capsys, name):
    fails_with(capsys, name, torch.tensor(3.0), "cannot be called", "without calling it")


@pytest.mark.parametrize("name", NAMES)
def test_an_exception_inside_the_learners_function_is_reported_in_plain_words(capsys, name):
    def broken(*args):
        x = args[0] if args else torch.zeros(1)  # mlp() takes no inputs
        return x.no_such_method()
    out = fails_with(capsys, name, broken, "it raised AttributeError in `broken`", "x.no_such_method()")
    assert "no_such_method" in out


def test_check_leaves_the_global_random_state_and_grad_mode_alone(capsys):
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    for name in NAMES:
        helpers.check(name, SOLUTIONS[name])
    capsys.readouterr()
    assert torch.equal(torch.rand(3), expected)
    assert torch.is_grad_enabled()
    with torch.no_grad():
        assert helpers.check("BasicOptim", BasicOptim) is BasicOptim  # works even called under no_grad
        assert not torch.is_grad_enabled()


def test_output_is_deterministic(capsys):
    _, first = run(capsys, "mnist_loss", lambda p, t: p.sigmoid())
    _, second = run(capsys, "mnist_loss", lambda p, t: p.sigmoid())
    assert first == second


# ------------------------------------------------------------------ stack_and_scale


def test_stack_and_scale_forgetting_float_and_255(capsys):
    fails_with(capsys, "stack_and_scale", lambda xs: torch.stack(xs), "got torch.uint8", "`.float()`")


def test_stack_and_scale_forgetting_to_scale(capsys):
    fails_with(capsys, "stack_and_scale", lambda xs: torch.stack(xs).float(), "dividing by 255")


def test_stack_and_scale_cat_instead_of_stack(capsys):
    fails_with(capsys, "stack_and_scale", lambda xs: torch.cat(xs).float() / 255,
               "expected shape [3, 28, 28], got [84, 28]", "torch.stack")


def test_stack_and_scale_double(capsys):
    fails_with(capsys, "stack_and_scale", lambda xs: torch.stack(xs).double() / 255, "float64")


# ------------------------------------------------------------------ ink_fraction


def test_ink_fraction_may_answer_with_a_python_number(capsys):
    passes(capsys, "ink_fraction", lambda img: (img > 0).float().mean().item())
    passes(capsys, "ink_fraction", lambda img: (img > 0).sum().item() / img.numel())


def test_ink_fraction_counting_without_dividing(capsys):
    fails_with(capsys, "ink_fraction", lambda img: (img > 0).sum(), "got torch.int64", "divides that count")
    fails_with(capsys, "ink_fraction", lambda img: (img > 0).float().sum(), "got 159", "average instead of adding up")


def test_ink_fraction_dividing_by_784_fails_only_on_the_crop(capsys):
    out = fails_with(capsys, "ink_fraction", lambda img: (img > 0).sum() / 784, "expected 0.2706, got 0.05867",
                     "THIS image")
    assert out.count("  FAIL - ") == 1 and "FAIL - a crop of 10 x 17 pixels" in out, out


def test_ink_fraction_mean_pixel_value_and_wrong_comparisons(capsys):
    fails_with(capsys, "ink_fraction", lambda img: img.float().mean(), "average pixel VALUE")
    fails_with(capsys, "ink_fraction", lambda img: (img >= 0).float().mean(), "expected 0.2028, got 1", "MORE than 0")
    fails_with(capsys, "ink_fraction", lambda img: (img == 0).float().mean(), "EMPTY")


def test_ink_fraction_averaging_over_one_axis(capsys):
    fails_with(capsys, "ink_fraction", lambda img: (img > 0).float().mean(0), "expected shape []  (a single number), "
               "got [28]", "one fraction per column")


# ------------------------------------------------------------------ mnist_distance


def test_mnist_distance_forgetting_the_axes_averages_the_whole_batch(capsys):
    out = fails_with(capsys, "mnist_distance", lambda a, b: (a - b).abs().mean(),
                     "expected shape [5], got []", ".mean((-1, -2))")
    assert "ok  - one image vs a mean image" in out  # the single-image case still passes


def test_mnist_distance_wrong_axis(capsys):
    fails_with(capsys, "mnist_distance", lambda a, b: (a - b).abs().mean(0), "LAST two axes")
    fails_with(capsys, "mnist_distance", lambda a, b: (a - b).abs().mean((0, 1)), "LAST two axes")


def test_mnist_distance_forgetting_abs(capsys):
    fails_with(capsys, "mnist_distance", lambda a, b: (a - b).mean((-1, -2)), "wrong value", "`.abs()`")


def test_mnist_distance_squared_instead_of_absolute(capsys):
    fails_with(capsys, "mnist_distance", lambda a, b: ((a - b) ** 2).mean((-1, -2)).sqrt(), "ABSOLUTE")


def test_mnist_distance_numpy_result(capsys):
    fails_with(capsys, "mnist_distance", lambda a, b: (a - b).abs().mean((-1, -2)).numpy(), "NumPy array")


# ------------------------------------------------------------------ rmse_distance


def test_rmse_distance_library_function_passes(capsys):
    passes(capsys, "rmse_distance", lambda a, b: F.mse_loss(a, b.expand_as(a), reduction="none").mean((-1, -2)).sqrt())


def test_rmse_distance_forgetting_the_square_root(capsys):
    fails_with(capsys, "rmse_distance", lambda a, b: ((a - b) ** 2).mean((-1, -2)), "mean squared error", "`.sqrt()`")


def test_rmse_distance_root_before_the_mean_is_l1(capsys):
    fails_with(capsys, "rmse_distance", lambda a, b: ((a - b) ** 2).sqrt().mean((-1, -2)), "expected 0.4066, got 0.3301",
               "L1 distance", "LAST")
    fails_with(capsys, "rmse_distance", mnist_distance, "L1 distance")  # the L1 distance itself gets the same hint


def test_rmse_distance_sum_is_the_l2_norm(capsys):
    fails_with(capsys, "rmse_distance", lambda a, b: ((a - b) ** 2).sum((-1, -2)).sqrt(), "L2 norm")


def test_rmse_distance_one_number_for_the_whole_batch(capsys):
    out = fails_with(capsys, "rmse_distance", lambda a, b: ((a - b) ** 2).mean().sqrt(), "expected shape [5], got []",
                     ".mean((-1, -2))")
    assert "ok  - one image vs a mean image" in out


def test_rmse_distance_squaring_the_mean_difference(capsys):
    fails_with(capsys, "rmse_distance", lambda a, b: ((a - b).mean((-1, -2)) ** 2).sqrt(), "BEFORE averaging")


# ------------------------------------------------------------------ mnist_loss


def test_mnist_loss_forgetting_mean(capsys):
    fails_with(capsys, "mnist_loss", lambda p, t: torch.where(t == 1, 1 - p.sigmoid(), p.sigmoid()),
               "expected shape []  (a single number), got [3]", "`.mean()`")


def test_mnist_loss_labels_as_n_by_1_broadcast(capsys):
    def loss(p, t):
        t = t.unsqueeze(1)  # labels as [N, 1], predictions [N]: broadcasting makes [N, N]
        return torch.where(t == 1, 1 - p.sigmoid(), p.sigmoid()).mean()
    fails_with(capsys, "mnist_loss", loss, "expected 0.4792, got 0.4711", "[N, 1]", "`.view(-1)`")


def test_mnist_loss_labels_as_n_by_1_without_mean(capsys):
    fails_with(capsys, "mnist_loss", lambda p, t: torch.where(t.unsqueeze(1) == 1, 1 - p.sigmoid(), p.sigmoid()),
               "got [3, 3]", "broadcasting")


def test_mnist_loss_forgetting_sigmoid(capsys):
    fails_with(capsys, "mnist_loss", lambda p, t: torch.where(t == 1, 1 - p, p).mean(), "sigmoid")


def test_mnist_loss_swapped_cases(capsys):
    fails_with(capsys, "mnist_loss", lambda p, t: torch.where(t == 1, p.sigmoid(), 1 - p.sigmoid()).mean(), "swapped")


def test_mnist_loss_that_breaks_gradients(capsys):
    fails_with(capsys, "mnist_loss", lambda p, t: mnist_loss(p, t).item(), "Python number", "gradients")
    fails_with(capsys, "mnist_loss", lambda p, t: mnist_loss(p.detach(), t), "`.backward()` cannot work")


# ------------------------------------------------------------------ BasicOptim


def test_basic_optim_with_no_grad_block_passes(capsys):
    passes(capsys, "BasicOptim", BasicOptimNoGradBlock)


def test_basic_optim_forgetting_no_grad(capsys):
    class Opt(BasicOptim):
        def step(self):
            for p in self.params:
                p -= p.grad * self.lr
    fails_with(capsys, "BasicOptim", Opt, "it raised RuntimeError in `step`", "torch.no_grad()")


def test_basic_optim_forgetting_zero_grad(capsys):
    class Opt(BasicOptim):
        def zero_grad(self):
            pass
    fails_with(capsys, "BasicOptim", Opt, "gradients are still there", "ADDS")


def test_basic_optim_missing_zero_grad_method(capsys):
    class Opt:
        def __init__(self, params, lr):
            self.params, self.lr = list(params), lr

        def step(self):
            for p in self.params:
                p.data -= p.grad.data * self.lr
    fails_with(capsys, "BasicOptim", Opt, "no attribute 'zero_grad'", "your class has no method `zero_grad`")


def test_basic_optim_rebinding_instead_of_updating_in_place(capsys):
    class Opt(BasicOptim):
        def step(self):
            for p in self.params:
                p = p - p.grad * self.lr  # noqa: PLW2901 (the mistake under test)
    fails_with(capsys, "BasicOptim", Opt, "did not change", "in place")


def test_basic_optim_storing_the_generator(capsys):
    class Opt(BasicOptim):
        def __init__(self, params, lr):
            self.params, self.lr = params, lr
    fails_with(capsys, "BasicOptim", Opt, "list(params)")


def test_basic_optim_wrong_sign_and_missing_lr(capsys):
    class Up(BasicOptim):
        def step(self):
            for p in self.params:
                p.data += p.grad.data * self.lr
    class NoLr(BasicOptim):
        def step(self):
            for p in self.params:
                p.data -= p.grad.data
    fails_with(capsys, "BasicOptim", Up, "uphill")
    fails_with(capsys, "BasicOptim", NoLr, "learning rate")


# ------------------------------------------------------------------ cross_entropy


def test_cross_entropy_library_function_passes(capsys):
    passes(capsys, "cross_entropy", F.cross_entropy)


def test_cross_entropy_naive_softmax_is_nan_on_large_logits(capsys):
    def naive(z, t):
        probs = z.exp() / z.exp().sum(1, keepdim=True)
        return -probs[torch.arange(len(t)), t].log().mean()
    out = fails_with(capsys, "cross_entropy", naive, "contains NaN", "log-sum-exp")
    assert "ok  - 6 rows of 10 random logits" in out  # fine on small logits, only unstable


def test_cross_entropy_forgetting_mean_or_sign_or_using_sum(capsys):
    def per_item(z, t):
        return -z.log_softmax(1)[torch.arange(len(t)), t]
    fails_with(capsys, "cross_entropy", per_item, "`.mean()`")
    fails_with(capsys, "cross_entropy", lambda z, t: -per_item(z, t).mean(), "flip the sign")
    fails_with(capsys, "cross_entropy", lambda z, t: per_item(z, t).sum(), "rather than `.sum()`")


def test_cross_entropy_normalizing_over_the_wrong_axis(capsys):
    fails_with(capsys, "cross_entropy", lambda z, t: -z.log_softmax(0)[torch.arange(len(t)), t].mean(), "dim=1")


def test_cross_entropy_targets_as_n_by_1(capsys):
    def loss(z, t):
        return -z.log_softmax(1)[torch.arange(len(t)), t.unsqueeze(1)].mean()  # indexes [N, N]
    fails_with(capsys, "cross_entropy", loss, "expected 6.636, got 6.959", "[N, 1]")


# ------------------------------------------------------------------ softmax


def test_softmax_library_functions_pass(capsys):
    passes(capsys, "softmax", lambda x: F.softmax(x, dim=1))
    passes(capsys, "softmax", lambda x: x.softmax(-1))


def test_softmax_rows_sum_to_one():
    for _, (x,) in EXERCISES["softmax"].cases():
        assert torch.allclose(EXERCISES["softmax"].solution(x).sum(dim=1), torch.ones(len(x)))


def test_softmax_summing_over_dim_0(capsys):
    fails_with(capsys, "softmax", lambda x: x.exp() / x.exp().sum(dim=0, keepdim=True), "COLUMN", "dim=1")
    fails_with(capsys, "softmax", lambda x: x.softmax(0), "COLUMN")


def test_softmax_forgetting_keepdim(capsys):
    out = fails_with(capsys, "softmax", lambda x: x.exp() / x.exp().sum(dim=1), "wrong value at position [0, 1]",
                     "`keepdim=True`", "[N, 1]")
    assert "ok  - one row of 10 logits" in out  # one row: [1] broadcasts the right way


def test_softmax_cases_are_square_or_one_row():
    """With more classes than rows, forgetting keepdim raises (shapes [N, C] and [N] don't fit) instead of
    giving wrong numbers: a known mistake must run on every case, so every case is square or one row."""
    for _, (x,) in EXERCISES["softmax"].cases():
        assert x.ndim == 2 and x.shape[0] in (1, x.shape[1]), x.shape
    with pytest.raises(RuntimeError, match="must match the size"):
        torch.randn(4, 10).exp() / torch.randn(4, 10).exp().sum(dim=1)


def test_softmax_summing_over_everything(capsys):
    out = fails_with(capsys, "softmax", lambda x: x.exp() / x.exp().sum(), "whole batch")
    assert "ok  - one row of 10 logits" in out


def test_softmax_without_exp(capsys):
    out = fails_with(capsys, "softmax", lambda x: x / x.sum(dim=1, keepdim=True), "`x.exp()`")
    assert "the result contains NaN" in out  # 0 / 0 on the row of equal logits (all 0)


# ------------------------------------------------------------------ relu


def test_relu_with_python_max(capsys):
    fails_with(capsys, "relu", lambda x: max(x, 0), "ambiguous", "work on one number")


def test_relu_returning_the_mask(capsys):
    fails_with(capsys, "relu", lambda x: x > 0, "got torch.bool", "WHERE")
    fails_with(capsys, "relu", lambda x: (x > 0).float(), "WHERE")


def test_relu_abs_and_max_over_everything(capsys):
    fails_with(capsys, "relu", lambda x: x.abs(), "become 0")
    fails_with(capsys, "relu", lambda x: x.max().clamp_min(0.), "element by element")


def test_relu_changing_the_input(capsys):
    def inplace(x):
        x[x < 0] = 0
        return x
    fails_with(capsys, "relu", inplace, "changed its input in place")


# ------------------------------------------------------------------ two_layers, apply_filter, smooth_targets


def test_two_layers_without_relu(capsys):
    fails_with(capsys, "two_layers", lambda xb, w1, b1, w2, b2: (xb @ w1 + b1) @ w2 + b2, "no ReLU")


def test_mlp_without_relus(capsys):
    fails_with(capsys, "mlp", lambda: torch.nn.Sequential(torch.nn.Linear(784, 250), torch.nn.Linear(250, 50),
                                                          torch.nn.Linear(50, 10)), "no ReLUs")


def test_mlp_with_wrong_sizes(capsys):
    fails_with(capsys, "mlp", lambda: torch.nn.Sequential(torch.nn.Linear(784, 250), torch.nn.ReLU(),
                                                          torch.nn.Linear(250, 10)), "shapes", "each `nn.Linear")


def test_mlp_returning_one_network_made_outside(capsys):
    net = mlp()
    fails_with(capsys, "mlp", lambda: net, "the same network", "inside `def mlp():`")


def test_mlp_passed_as_the_network_itself(capsys):
    fails_with(capsys, "mlp", mlp(), "you passed a network, not a function", "def mlp(): return")


def test_mlp_returning_a_list(capsys):
    fails_with(capsys, "mlp", lambda: [torch.nn.Linear(784, 10)], "not a network")


def test_apply_filter_at_one_position(capsys):
    fails_with(capsys, "apply_filter", lambda image, filt: (image[:3, :3] * filt).sum(), "expected shape [3, 3]",
               "ONE position")


def test_smooth_targets_shared_over_the_other_classes(capsys):
    fails_with(capsys, "smooth_targets",
               lambda t, n, eps: F.one_hot(t, n).float() * (1 - eps) + eps / (n - 1), "ALL the classes")


def test_batches_dropping_the_last_batch(capsys):
    fails_with(capsys, "batches", lambda x, y, bs: ((x[i:i + bs], y[i:i + bs]) for i in range(0, len(x) - bs + 1, bs)),
               "expected 3", "last, smaller batch")


def test_conv_multiply_adds_on_the_input_size(capsys):
    fails_with(capsys, "conv_multiply_adds", lambda c_in, c_out, k, size: c_out * size * size * c_in * k * k,
               "expected 345,600", "size - kernel + 1")


def test_check_leaves_global_random_state_alone(capsys):
    torch.manual_seed(0)
    a = torch.rand(2)
    torch.manual_seed(0)
    helpers.check("two_layers", two_layers)  # its cases draw random weights
    capsys.readouterr()
    assert torch.equal(torch.rand(2), a)


# ------------------------------------------------------------------ every known mistake, and the data


MISTAKES = [(name, i) for name, exercise in EXERCISES.items() for i in range(len(exercise.mistakes))]


@pytest.mark.parametrize("name, i", MISTAKES, ids=[f"{name}-{i}" for name, i in MISTAKES])
def test_each_known_mistake_fails_with_its_own_hint(capsys, name, i):
    """Each mistake runs on every case without raising, fails at least one, and earns its own hint
    (an earlier mistake that goes wrong the same way would take it)."""
    wrong, hint = EXERCISES[name].mistakes[i]
    out = fails_with(capsys, name, wrong)
    assert f"Hint: {hint}" in out


class _ThreeLayers(torch.nn.Module):  # mlp, written as a module of its own, with F.relu in forward
    def __init__(self):
        super().__init__()
        self.a, self.b, self.c = torch.nn.Linear(784, 250), torch.nn.Linear(250, 50), torch.nn.Linear(50, 10)

    def forward(self, x):
        return self.c(F.relu(self.b(F.relu(self.a(x)))))


# Each reference solution, against a version built from PyTorch's own functions: the notebooks fall back on
# the references, so a wrong one would teach a wrong answer (checking a reference against itself could not fail).
INDEPENDENT = {
    "stack_and_scale": lambda images: torch.stack(images).to(torch.float32).div(255),
    "ink_fraction": lambda img: torch.count_nonzero(img) / img.numel(),
    "mnist_distance": lambda a, b: F.l1_loss(a, b.expand_as(a), reduction="none").mean((-1, -2)),
    "rmse_distance": lambda a, b: F.mse_loss(a, b.expand_as(a), reduction="none").mean((-1, -2)).sqrt(),
    "mnist_loss": lambda p, t: F.l1_loss(torch.sigmoid(p), t.float()),
    "BasicOptim": torch.optim.SGD,
    "cross_entropy": F.cross_entropy,
    "softmax": lambda x: torch.softmax(x, dim=1),
    "relu": F.relu,
    "two_layers": lambda xb, w1, b1, w2, b2: F.linear(F.relu(F.linear(xb, w1.T, b1)), w2.T, b2),
    "mlp": lambda: _ThreeLayers(),
    "apply_filter": lambda image, filt: F.conv2d(image[None, None], filt[None, None])[0, 0],
    "smooth_targets": lambda t, n, eps: torch.full((len(t), n), eps / n).scatter(1, t[:, None], 1 - eps + eps / n),
    "batches": lambda x, y, bs: zip(x.split(bs), y.split(bs)),
    "conv_multiply_adds": _conv_flops_by_pytorch,
}


@pytest.mark.parametrize("name", NAMES)
def test_the_reference_solutions_agree_with_pytorch(name):
    exercise = EXERCISES[name]
    for what, inputs in exercise.cases():
        reference = exercise.run(exercise.solution, *inputs)
        independent = exercise.run(INDEPENDENT[name], *inputs)
        assert exercise.compare(reference, independent) is None, (name, what)


def test_a_wrong_reference_solution_would_be_caught(monkeypatch):
    """The test above can fail: a reference that forgot the sigmoid disagrees with PyTorch's version."""
    wrong = dataclasses.replace(EXERCISES["mnist_loss"], solution=lambda p, t: torch.where(t == 1, 1 - p, p).mean())
    (what, inputs), *_ = wrong.cases()
    assert wrong.compare(wrong.run(wrong.solution, *inputs), wrong.run(INDEPENDENT["mnist_loss"], *inputs)) is not None


def test_every_exercise_is_checked_in_a_notebook_and_every_check_is_known():
    used = set()
    for path in sorted(Path(__file__).parents[1].glob("notebooks/*.ipynb")):
        for cell in json.loads(path.read_text())["cells"]:
            used |= set(re.findall(r'helpers\.check\("(\w+)"', "".join(cell["source"])))
    assert used == set(NAMES)


# ------------------------------------------------------------------ a bug in the checker is not the learner's


def broken_clamp_min(self, *args, **kwargs):
    return 1 / 0  # stands for any bug in the checker's own code


def test_a_bug_in_the_checker_is_reported_as_one_with_its_traceback(capsys, monkeypatch):
    # The reference relu calls `x.clamp_min`; this learner's relu does not, so only the checker breaks.
    monkeypatch.setattr(torch.Tensor, "clamp_min", broken_clamp_min)
    learners = lambda x: x * (x > 0)  # noqa: E731
    used = helpers.check("relu", learners)
    out = capsys.readouterr().out
    assert used is EXERCISES["relu"].solution
    assert "CHECKER BUG" in out and "not in your code" in out, out
    assert "FAIL" not in out and "Not yet" not in out, out  # not the learner's FAIL
    assert "Traceback (most recent call last)" in out and "ZeroDivisionError" in out, out
    assert "in broken_clamp_min" in out and "exercises_runner.py" in out, out  # the real frames, shown


def test_a_broken_exercise_definition_is_a_checker_bug(capsys, monkeypatch):
    def wrong_that_raises(x):
        return x.no_such_method()
    relu = dataclasses.replace(EXERCISES["relu"], mistakes=[(wrong_that_raises, "never shown")])
    monkeypatch.setitem(EXERCISES, "relu", relu)
    used = helpers.check("relu", lambda x: x.abs())  # fails, so the (broken) mistakes are tried
    out = capsys.readouterr().out
    assert used is relu.solution
    assert "CHECKER BUG" in out and "in wrong_that_raises" in out and "never shown" not in out, out


def test_the_learners_own_error_still_hides_the_checkers_frames(capsys):
    def relu(x):
        return x.clamp_min(0.) + undefined_name  # noqa: F821 (the mistake under test)
    out = fails_with(capsys, "relu", relu, "it raised NameError in `relu`", "undefined_name", "is not defined")
    assert "CHECKER BUG" not in out and "exercises" not in out


# ------------------------------------------------------------------ hints fit the failure


def test_a_shape_mistake_gets_a_shape_hint_not_a_dtype_one(capsys):
    out = fails_with(capsys, "stack_and_scale", lambda xs: torch.stack(xs, 1),
                     "expected shape [3, 28, 28], got [28, 3, 28]", "print the `.shape`")
    assert ".float()" not in out  # the old checker hinted at `.float()` here, under a shape problem


def test_an_unknown_error_gets_a_hint_that_fits(capsys):
    def relu(x):
        raise ValueError("boom")
    out = fails_with(capsys, "relu", relu, "it raised ValueError in `relu`", "boom", "in a cell of its own")
    assert "read the error above" not in out and "shape" not in hint_lines(out)


def test_a_missing_axis_gets_an_axes_hint(capsys):
    fails_with(capsys, "mnist_distance", lambda a, b: (a - b).abs().mean((-1, -2, -3)),
               "Dimension out of range", "fewer axes than your code assumes")


@pytest.mark.parametrize("name, call", [("relu", "`relu(x)`"), ("mnist_distance", "`mnist_distance(a, b)`")])
def test_a_def_line_with_the_wrong_inputs(capsys, name, call):
    def three(a, b, c):
        return a
    out = fails_with(capsys, name, three, "missing", f"the checker calls {call}")
    assert "read the error above" not in out


def test_basic_optim_methods_taking_the_wrong_inputs(capsys):
    class Opt(BasicOptim):
        def step(self, lr):
            super().step()
    fails_with(capsys, "BasicOptim", Opt, "step() missing 1 required positional argument",
               "then `opt.step()` and `opt.zero_grad()`")


def test_python_max_on_a_single_number(capsys):
    out = fails_with(capsys, "relu", lambda x: max(x, 0), "returned a Python number (0), not a tensor")
    assert "Python's `max`" in hint_lines(out)


def test_stack_and_scale_changing_the_images(capsys):
    def stack_and_scale(images):
        out = torch.stack(images).float() / 255
        images[0].zero_()
        return out
    fails_with(capsys, "stack_and_scale", stack_and_scale, "changed its input in place", "in-place ones")


def test_basic_optim_generator_hint_only_for_the_generator(capsys):
    class Opt(BasicOptim):
        def zero_grad(self):
            pass
    out = fails_with(capsys, "BasicOptim", Opt)
    assert "list(params)" not in out  # a list was stored: the generator is not the problem


def test_one_hint_per_distinct_problem(capsys):
    out = fails_with(capsys, "relu", lambda x: x.abs())
    assert out.count("  FAIL - ") == 3 and hint_lines(out).count("Hint:") == 1


# ------------------------------------------------------------------ random state and grad mode


def test_check_leaves_random_state_and_grad_mode_even_when_the_learners_code_changes_them(capsys):
    def relu(x):
        torch.manual_seed(999)
        torch.rand(5)
        torch.set_grad_enabled(False)
        return x.clamp_min(0.)
    torch.manual_seed(7)
    expected = torch.rand(3)
    torch.manual_seed(7)
    passes(capsys, "relu", relu)
    assert torch.equal(torch.rand(3), expected)
    assert torch.is_grad_enabled()


def test_the_gradient_check_works_when_called_under_no_grad(capsys):
    with torch.no_grad():
        passes(capsys, "mnist_loss", mnist_loss)
        passes(capsys, "cross_entropy", cross_entropy)
        assert not torch.is_grad_enabled()


def test_averaging_a_comparison_without_float_gets_the_bool_hint(capsys):
    """`(img > 0).mean()` raises inside torch; the hint says to convert to numbers first."""
    def bool_mean(img):
        return (img > 0).mean()
    out = fails_with(capsys, "ink_fraction", bool_mean, "could not infer output dtype")
    assert "convert it to numbers first, `(x > 0).float().mean()`" in hint_lines(out), out


def test_the_cross_entropy_reference_is_the_folded_solution_and_agrees_with_pytorch():
    solution = EXERCISES["cross_entropy"].solution
    assert solution is not F.cross_entropy  # the notebook goes on with the hand-written version it folds
    for _, (logits, targets) in EXERCISES["cross_entropy"].cases():
        assert torch.allclose(solution(logits, targets), F.cross_entropy(logits, targets))
