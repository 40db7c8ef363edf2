"""Self-check exercises: `check(name, obj)` tries a learner's code on fixed inputs.

It prints, in plain words, what passed and what went wrong (wrong shape, wrong value
on which input, NaN, an error inside the function, `None` returned), each with a hint,
and returns True only when everything passed. It never raises for a mistake in the
learner's code; only an unknown exercise name raises a ValueError.

>>> import torch
>>> def relu(x):
...     return x.clamp_min(0.)
>>> check("relu", relu)
Checking `relu`:
  ok  - a vector of negatives, zeros and positives
  ok  - a 3x4 matrix
  ok  - a single number (0-dim tensor)
  ok  - the input is left unchanged
All 4 checks passed. Well done!
True

The inputs are made with a private random generator, so calling `check` never changes
the random numbers the rest of a notebook sees.
"""

from __future__ import annotations

import math
import traceback
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

__all__ = ["check", "EXERCISES"]

_OK, _FAIL = "ok  - ", "FAIL - "


class _Report:
    """Collects the lines of one check and prints them at the end."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.lines: list[str] = [f"Checking `{name}`:"]
        self.passed = 0
        self.failed = 0
        self._hints: set[str] = set()

    def ok(self, what: str) -> None:
        self.passed += 1
        self.lines.append(f"  {_OK}{what}")

    def fail(self, what: str, problem: str, hint: str | None = None) -> None:
        self.failed += 1
        self.lines.append(f"  {_FAIL}{what}")
        self.lines.append(f"         {problem}")
        if hint and hint not in self._hints:  # the same hint once is enough
            self._hints.add(hint)
            self.lines.append(f"         Hint: {hint}")

    def note(self, text: str) -> None:
        self.lines.append(f"  {text}")

    def finish(self) -> bool:
        total = self.passed + self.failed
        if self.failed == 0 and total > 0:
            self.lines.append(f"All {total} checks passed. Well done!")
        else:
            self.lines.append(f"Not yet: {self.passed} of {total} check{'s' if total != 1 else ''} passed. Fix the first FAIL above and run the cell again.")
        print("\n".join(self.lines))
        return self.failed == 0 and total > 0


# ------------------------------------------------------------ shared pieces


class _Raised(Exception):
    """The learner's code raised; `message` says what and where, `hint` what to try."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.message, self.hint = message, hint


_ERROR_HINTS = [
    ("leaf variable that requires grad", "PyTorch refuses to change a parameter in place while it records gradients: "
     "do the update inside `with torch.no_grad():` (or on `p.data`)."),
    ("ambiguous", "Python's `if`, `max`, `and`/`or` work on one number, not on a whole tensor: use tensor operations "
     "such as `torch.where`, `x.clamp_min(0)` or `torch.maximum`."),
    ("must match the size", "two tensors have shapes that cannot be combined: print `.shape` of each to see which."),
    ("shapes cannot be multiplied", "the inner sizes of a matrix product must agree: print `.shape` of both sides."),
    ("expected scalar type", "two tensors have different dtypes: convert with `.float()` (or `.long()` for labels)."),
    ("nonetype", "something is None: a function you call probably forgot its `return`, or `p.grad` is None "
     "because `.backward()` has not run."),
    ("not callable", "you are calling something that is not a function: check for a missing operator or a name "
     "you reused for a value."),
    ("not defined", "a name is used before it is defined: check spelling, and that the cell defining it has run."),
    ("index", "an index is out of range: check which axis you index and its size (`.shape`)."),
    ("dimension out of range", "this tensor has fewer axes than the code assumes: print its `.shape`."),
]


def _describe_exception(err: BaseException) -> _Raised:
    """Plain words for an exception raised inside the learner's code (no traceback, no paths)."""
    first_line = (str(err).strip().splitlines() or [""])[0]
    if len(first_line) > 160:
        first_line = first_line[:157] + "..."
    where = ""
    frames = [f for f in traceback.extract_tb(err.__traceback__)
              if "site-packages" not in f.filename and "/helpers/exercises.py" not in f.filename.replace("\\", "/")]
    if frames:
        f = frames[-1]
        code = (f.line or "").strip()
        where = f" in `{f.name}`" + (f", at `{code}`" if code else "")
    message = f"it raised {type(err).__name__}{where}: {first_line}".rstrip(":. ")
    low = (type(err).__name__ + " " + str(err)).lower()
    if isinstance(err, NotImplementedError):
        hint = "replace `raise NotImplementedError` with your code."
    else:
        hint = next((h for key, h in _ERROR_HINTS if key in low),
                    "read the error above, then try your function by hand on a tiny input and print the shapes.")
    return _Raised(message, hint)


def _call(fn: Callable, *args: Any) -> Any:
    try:
        return fn(*args)
    except Exception as err:  # the learner's mistake: reported, never re-raised
        raise _describe_exception(err) from None


def _shape(t: Any) -> str:
    return "[" + ", ".join(str(s) for s in t.shape) + "]" + ("  (a single number)" if t.ndim == 0 else "")


def _not_a_function(rep: _Report, obj: Any, what: str = "a function") -> bool:
    """Report and return True when `obj` is not something we can call."""
    if callable(obj):
        return False
    if obj is None:
        rep.fail(f"{rep.name} is {what}", "you passed None.",
                 f"pass the {what.split()[-1]} itself, e.g. helpers.check(\"{rep.name}\", {rep.name}); "
                 "if it is a function, did you write `def` and `return`?")
    else:
        rep.fail(f"{rep.name} is {what}", f"you passed a {type(obj).__name__}, which cannot be called.",
                 f"pass the {what.split()[-1]} itself, without calling it: helpers.check(\"{rep.name}\", {rep.name}), "
                 f"not {rep.name}(...).")
    return True


def _as_result(rep: _Report, what: str, got: Any, *, want_tensor: bool = True) -> torch.Tensor | None:
    """Common checks on a returned value; returns it as a tensor, or None after reporting a failure."""
    if got is None:
        rep.fail(what, "your function returned None.",
                 "did you forget `return`? (Or is the `...` placeholder still there? Replace it with your code.)")
        return None
    if got is Ellipsis:
        rep.fail(what, "your function returned `...`.", "replace the `...` placeholder with your code.")
        return None
    if isinstance(got, np.ndarray):
        rep.fail(what, f"your function returned a NumPy array (shape {list(got.shape)}), not a PyTorch tensor.",
                 "stay with PyTorch operations (torch.*, tensor methods) so the result is a tensor.")
        return None
    if isinstance(got, (tuple, list)):
        rep.fail(what, f"your function returned a {type(got).__name__} of {len(got)} items, not one tensor.",
                 "return a single tensor (e.g. with torch.stack, or drop the extra values).")
        return None
    if isinstance(got, (int, float)) and not isinstance(got, bool):
        if want_tensor:
            rep.fail(what, f"your function returned a Python number ({got!r}), not a tensor.",
                     "keep the result a tensor (no `.item()` or `float(...)`), so PyTorch can compute gradients from it.")
            return None
        return torch.tensor(got)
    if not isinstance(got, torch.Tensor):
        rep.fail(what, f"your function returned a {type(got).__name__}, not a tensor.", "return a PyTorch tensor.")
        return None
    return got


def _num(x: float) -> str:
    return f"{x:.4g}"


def _compare(rep: _Report, what: str, got: Any, expected: torch.Tensor,
             diagnose: Callable[[torch.Tensor], str | None] | None = None,
             *, want_tensor: bool = True, atol: float = 1e-4, rtol: float = 1e-4) -> bool:
    """Check `got` against `expected`: type, shape, dtype kind, NaN, values. Report the result."""
    t = _as_result(rep, what, got, want_tensor=want_tensor)
    if t is None:
        return False
    hint = diagnose(t) if diagnose else None
    if tuple(t.shape) != tuple(expected.shape):
        rep.fail(what, f"expected shape {_shape(expected)}, got {_shape(t)}.",
                 hint or "print the `.shape` of each step to see where it changes.")
        return False
    if expected.is_floating_point() and not (t.is_floating_point() or t.is_complex()):
        rep.fail(what, f"expected floats ({expected.dtype}), got {t.dtype}.",
                 hint or "convert with `.float()` before dividing or averaging.")
        return False
    t = t.detach().to("cpu")
    if t.is_floating_point() and not torch.isfinite(t).all():
        bad = "NaN" if torch.isnan(t).any() else "infinity"
        rep.fail(what, f"the result contains {bad}.", hint or "look for exp() of a large number, log(0) or 0/0.")
        return False
    diff = (t.double() - expected.double()).abs()
    tol = atol + rtol * expected.double().abs()
    if (diff > tol).any():
        if t.ndim == 0:
            where = f"expected {_num(expected.item())}, got {_num(t.item())}."
        else:
            i = int(torch.argmax(diff - tol))
            idx = np.unravel_index(i, tuple(t.shape))
            pos = ", ".join(str(int(k)) for k in idx)
            where = (f"wrong value at position [{pos}]: expected {_num(expected.reshape(-1)[i].item())}, "
                     f"got {_num(t.reshape(-1)[i].item())} ({int((diff > tol).sum())} of {t.numel()} values differ).")
        rep.fail(what, where, hint or "try your function by hand on a tiny input you can work out on paper.")
        return False
    rep.ok(what)
    return True


def _matches(t: torch.Tensor, candidate: torch.Tensor) -> bool:
    t = t.detach().to("cpu")
    return (tuple(t.shape) == tuple(candidate.shape) and t.is_floating_point()
            and bool(torch.isfinite(t).all()) and torch.allclose(t.double(), candidate.double(), atol=1e-4, rtol=1e-4))


def _gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _run_case(rep: _Report, what: str, body: Callable[[], None]) -> None:
    try:
        body()
    except _Raised as r:
        rep.fail(what, r.message + ".", r.hint)


# ------------------------------------------------------------ the exercises


def _check_stack_and_scale(fn: Any, rep: _Report) -> None:
    if _not_a_function(rep, fn):
        return
    g = _gen(1)
    imgs = [torch.randint(0, 256, (28, 28), generator=g, dtype=torch.uint8) for _ in range(3)]
    imgs[0][0, 0], imgs[1][0, 0] = 255, 0

    def diagnose(t: torch.Tensor) -> str | None:
        if tuple(t.shape) == (3 * 28, 28):
            return "torch.cat joins images end to end; torch.stack puts them on a new first axis: [N, 28, 28]."
        if tuple(t.shape) == (28, 28, 3):
            return "stack along a new FIRST axis (the default, dim=0): torch.stack(images)."
        if t.dtype == torch.uint8 or not t.is_floating_point():
            return "convert to floats with `.float()` before dividing by 255."
        if t.is_floating_point() and t.dtype != torch.float32:
            return "use `.float()` (float32), the type models expect, not `.double()`."
        if t.is_floating_point() and t.numel() and t.max() > 1.5:
            return "scale to 0..1 by dividing by 255."
        return None

    def case(images: list[torch.Tensor], what: str) -> None:
        originals = [i.clone() for i in images]
        expected = torch.stack(originals).float() / 255
        got = _call(fn, images)
        if isinstance(got, torch.Tensor) and got.is_floating_point() and got.dtype != torch.float32:
            rep.fail(what, f"expected float32, got {got.dtype}.", diagnose(got))
        else:
            _compare(rep, what, got, expected, diagnose)
        if any(not torch.equal(a, b) for a, b in zip(images, originals)):
            rep.fail("the input images are left unchanged", "your function changed the images it was given.",
                     "work on new tensors (stack, then .float()/255) instead of modifying the inputs in place.")

    _run_case(rep, "three uint8 images -> float32 [3, 28, 28] in 0..1", lambda: case(imgs, "three uint8 images -> float32 [3, 28, 28] in 0..1"))
    _run_case(rep, "a list of one image -> [1, 28, 28]", lambda: case(imgs[:1], "a list of one image -> [1, 28, 28]"))


def _check_mnist_distance(fn: Any, rep: _Report) -> None:
    if _not_a_function(rep, fn):
        return
    g = _gen(2)
    batch = torch.rand(5, 28, 28, generator=g)
    mean = torch.rand(28, 28, generator=g)

    def diagnose_for(a: torch.Tensor, b: torch.Tensor) -> Callable[[torch.Tensor], str | None]:
        d = a - b
        def diagnose(t: torch.Tensor) -> str | None:
            if t.ndim == 0 and a.ndim == 3:
                return ("you averaged everything into one number; average over the last two axes only, "
                        "`.mean((-1, -2))`, so each image in the batch gets its own distance.")
            if tuple(t.shape) in {(28, 28), (28,), (5, 28)} or (a.ndim == 3 and tuple(t.shape) == (5, 28)):
                return "average over the LAST two axes (rows and columns of pixels): `.mean((-1, -2))`."
            if _matches(t, d.mean((-1, -2))):
                return "take the absolute value of the difference, `.abs()`, before averaging; otherwise + and - cancel."
            if _matches(t, (d ** 2).mean((-1, -2))) or _matches(t, (d ** 2).mean((-1, -2)).sqrt()):
                return "this exercise asks for the mean ABSOLUTE difference (L1): `(a-b).abs().mean((-1,-2))`, no squares."
            if _matches(t, d.abs().sum((-1, -2))):
                return "use `.mean` rather than `.sum`, so the distance does not depend on the image size."
            return None
        return diagnose

    cases = [
        ("one image vs a mean image -> a single number", batch[0], mean, (batch[0] - mean).abs().mean()),
        ("a batch of 5 images vs a mean image -> shape [5]", batch, mean, (batch - mean).abs().mean((-1, -2))),
        ("an image vs itself -> 0", mean, mean, torch.tensor(0.)),
    ]
    for what, a, b, expected in cases:
        _run_case(rep, what, lambda what=what, a=a, b=b, expected=expected:
                  _compare(rep, what, _call(fn, a.clone(), b.clone()), expected, diagnose_for(a, b)))


def _check_mnist_loss(fn: Any, rep: _Report) -> None:
    if _not_a_function(rep, fn):
        return
    g = _gen(3)
    preds = torch.randn(8, generator=g) * 2
    targs = torch.tensor([1, 0, 1, 1, 0, 0, 1, 0])

    def reference(p: torch.Tensor, t: torch.Tensor) -> torch.Tensor:
        s = p.sigmoid()
        return torch.where(t == 1, 1 - s, s).mean()

    def diagnose_for(p: torch.Tensor, t: torch.Tensor) -> Callable[[torch.Tensor], str | None]:
        s = p.sigmoid()
        def diagnose(x: torch.Tensor) -> str | None:
            if x.ndim == 1 and x.shape[0] == p.shape[0]:
                return "you return one loss per item; finish with `.mean()` to get a single number."
            if x.ndim == 2:
                return ("a square [N, N] result means predictions and targets had different shapes ([N] and [N, 1]) "
                        "and broadcasting paired every item with every other; make both [N] (e.g. `.view(-1)`), "
                        "then take `.mean()`.")
            if _matches(x, torch.where(t[:, None] == 1, 1 - s[None, :], s[None, :]).mean()) or \
               _matches(x, torch.where(t[None, :] == 1, 1 - s[:, None], s[:, None]).mean()):
                return ("your targets and predictions have different shapes ([N, 1] and [N]): broadcasting made an "
                        "[N, N] table before the mean. Make both [N] with `.view(-1)` or `.squeeze()`.")
            if _matches(x, torch.where(t == 1, 1 - p, p).mean()):
                return "squash the raw predictions into 0..1 first: `predictions = predictions.sigmoid()`."
            if _matches(x, torch.where(t == 1, s, 1 - s).mean()):
                return "the two cases are swapped: when the target is 1 the loss is `1 - predictions`."
            if _matches(x, torch.where(t == 1, 1 - s, s).sum()):
                return "use `.mean()` rather than `.sum()`, so the loss does not grow with the batch size."
            return None
        return diagnose

    def case(what: str, p: torch.Tensor, t: torch.Tensor) -> None:
        p = p.clone().requires_grad_(True)
        got = _call(fn, p, t.clone())
        if not _compare(rep, what, got, reference(p.detach(), t), diagnose_for(p.detach(), t)):
            return
        if not got.requires_grad:
            rep.fail(what + ": gradients flow", "the result is cut off from the predictions, so `.backward()` cannot work.",
                     "avoid `.item()`, `.detach()`, `.data` and NumPy inside the loss.")

    _run_case(rep, "fastbook's example: predictions [0.9, 0.4, -0.2], targets [1, 0, 1]",
              lambda: case("fastbook's example: predictions [0.9, 0.4, -0.2], targets [1, 0, 1]",
                           torch.tensor([0.9, 0.4, -0.2]), torch.tensor([1, 0, 1])))
    _run_case(rep, "8 random predictions and 0/1 targets -> one number",
              lambda: case("8 random predictions and 0/1 targets -> one number", preds, targs))


def _check_basic_optim(cls: Any, rep: _Report) -> None:
    if _not_a_function(rep, cls, "a class"):
        return
    g = _gen(4)
    w = torch.randn(3, generator=g).requires_grad_()
    b = torch.randn(1, generator=g).requires_grad_()
    x = torch.randn(6, 3, generator=g)
    y = torch.randn(6, generator=g)
    lr = 0.1

    def backward() -> None:
        ((x @ w + b - y) ** 2).mean().backward()

    what = "BasicOptim(params, lr) can be created from model.parameters()"
    try:
        opt = _call(cls, (p for p in (w, b)), lr)  # a generator, like model.parameters()
    except _Raised as r:
        rep.fail(what, r.message + ".", r.hint)
        return
    rep.ok(what)
    for method in ("step", "zero_grad"):
        if not callable(getattr(opt, method, None)):
            rep.fail(f"it has a `{method}()` method", f"your class has no method called `{method}`.",
                     f"define `def {method}(self):` inside the class (mind the indentation and the `self`).")
            return

    def stored_generator() -> str | None:
        if any(isinstance(v, Iterator) for v in vars(opt).values()):
            return ("you stored `params` as given: `model.parameters()` is a generator, which runs out after one "
                    "loop; store `list(params)` in __init__.")
        return None

    def attempt(what: str, method: Callable[[], Any]) -> bool:
        """Call one of the learner's methods; report what it raised and return False if it did."""
        try:
            _call(method)
            return True
        except _Raised as r:
            rep.fail(what, r.message + ".", r.hint)
            return False

    def one_round(round_no: int) -> bool:
        backward()
        before = [p.detach().clone() for p in (w, b)]
        grads = [p.grad.clone() for p in (w, b)]
        what = f"step() #{round_no} moves each parameter by -lr * grad"
        if not attempt(what, opt.step):
            return False
        if not (w.is_leaf and b.is_leaf) or w.grad_fn is not None:
            rep.fail(what, "after step() the parameters are no longer plain leaf tensors (PyTorch recorded the update).",
                     "do the update inside `with torch.no_grad():`, in place: `p -= p.grad * self.lr`.")
            return False
        after = [p.detach() for p in (w, b)]
        if all(torch.equal(a, c) for a, c in zip(before, after)):
            hint = ("`p = p - lr * p.grad` only renames a new tensor; change the parameter itself, in place: "
                    "`p -= p.grad * self.lr` (inside `with torch.no_grad():`) or `p.data -= p.grad.data * self.lr`.")
            if round_no > 1 or stored_generator():
                hint = ("step() worked once but not twice: if you stored `params` as given, it was a generator, "
                        "which runs out after one loop; store `list(params)` in __init__.")
            rep.fail(what, "the parameters did not change.", hint)
            return False
        expected = [p0 - lr * gr for p0, gr in zip(before, grads)]
        for name, got, exp, p0 in zip(("w", "b"), after, expected, before):
            if not torch.allclose(got, exp, atol=1e-6):
                ratio = ((got - p0) / (exp - p0)).mean().item() if (exp - p0).abs().sum() > 0 else float("nan")
                if math.isfinite(ratio) and abs(ratio + 1) < 1e-3:
                    hint = "you moved uphill: subtract the gradient, `p -= p.grad * lr`, to go down the loss."
                elif math.isfinite(ratio) and abs(ratio - 1 / lr) < 1e-2:
                    hint = "multiply the gradient by the learning rate: `p -= p.grad * self.lr`."
                else:
                    hint = "the update is `p -= p.grad * self.lr` for every parameter."
                rep.fail(what, f"parameter {name} moved to the wrong place.", hint)
                return False
        rep.ok(what)
        what = f"zero_grad() #{round_no} clears the gradients"
        if not attempt(what, opt.zero_grad):
            return False
        if any(p.grad is not None and p.grad.abs().sum() > 0 for p in (w, b)):
            rep.fail(what, "the gradients are still there after zero_grad().", stored_generator() or
                     "set each `p.grad = None` (or `p.grad.zero_()`); otherwise the next backward() ADDS to them.")
            return False
        rep.ok(what)
        return True

    with torch.enable_grad():
        if one_round(1):
            one_round(2)


def _check_cross_entropy(fn: Any, rep: _Report) -> None:
    if _not_a_function(rep, fn):
        return
    g = _gen(5)
    logits = torch.randn(6, 10, generator=g) * 3
    targets = torch.randint(0, 10, (6,), generator=g)
    huge = torch.tensor([[1000., -1000., 0.], [-1000., 1000., 500.], [0., 0., 1000.]])
    huge_t = torch.tensor([0, 2, 1])

    def diagnose_for(z: torch.Tensor, t: torch.Tensor) -> Callable[[torch.Tensor], str | None]:
        n = z.shape[0]
        nll = -z.log_softmax(1)[torch.arange(n), t]
        def diagnose(x: torch.Tensor) -> str | None:
            if not torch.isfinite(x.detach()).all():
                return ("exp() of a large logit overflows to infinity: subtract each row's max before exp "
                        "(the log-sum-exp trick): `m = z.max(1, keepdim=True).values; "
                        "lse = m + (z - m).exp().sum(1, keepdim=True).log()`.")
            if x.ndim == 1 and x.shape[0] == n:
                return "you return one loss per item; finish with `.mean()`."
            if x.ndim == 2:
                return ("pick, for each row, only the log-probability of its target class: "
                        "`logp[torch.arange(len(targets)), targets]`, then `.mean()`.")
            if _matches(x, nll.sum()):
                return "use `.mean()` rather than `.sum()`, so the loss does not grow with the batch size."
            logp = z.log_softmax(1)
            if n > 1 and (_matches(x, -logp[torch.arange(n), t[:, None]].mean())
                          or _matches(x, -logp[torch.arange(n)[:, None], t].mean())):
                return ("the targets (or the row numbers) had shape [N, 1], so indexing paired every row with every "
                        "target ([N, N]); use targets of shape [N]: `logp[torch.arange(len(targets)), targets]`.")
            if _matches(x, -nll.mean()):
                return "flip the sign: the loss is MINUS the log-probability of the right class."
            if _matches(x, -z.log_softmax(0)[torch.arange(n), t].mean()):
                return "normalize over the classes (dim=1, along each row), not over the batch (dim=0)."
            if _matches(x, -z.softmax(1)[torch.arange(n), t].mean()) or _matches(x, (1 - z.softmax(1)[torch.arange(n), t]).mean()):
                return "take the LOG of the softmax probability (log_softmax), not the probability itself."
            return None
        return diagnose

    def case(what: str, z: torch.Tensor, t: torch.Tensor) -> None:
        expected = F.cross_entropy(z, t)
        _compare(rep, what, _call(fn, z.clone(), t.clone()), expected, diagnose_for(z, t))

    cases = [
        ("6 rows of 10 random logits -> one number, equal to F.cross_entropy", logits, targets),
        ("a single row", logits[:1], targets[:1]),
        ("huge logits (+-1000) stay finite: numerically stable", huge, huge_t),
    ]
    for what, z, t in cases:
        _run_case(rep, what, lambda what=what, z=z, t=t: case(what, z, t))


def _check_relu(fn: Any, rep: _Report) -> None:
    if _not_a_function(rep, fn):
        return
    g = _gen(6)
    vec = torch.tensor([-3., -0.5, 0., 0.5, 2.])
    mat = torch.randn(3, 4, generator=g)

    def diagnose_for(x: torch.Tensor) -> Callable[[torch.Tensor], str | None]:
        def diagnose(t: torch.Tensor) -> str | None:
            if t.dtype == torch.bool or (tuple(t.shape) == tuple(x.shape) and _matches(t, (x > 0).float())):
                return "`x > 0` only says WHERE x is positive; keep the values: `x.clamp_min(0.)` or `x * (x > 0)`."
            if t.ndim == 0 and x.ndim > 0:
                return "ReLU works element by element and keeps the shape: `x.clamp_min(0.)`, not a max over the tensor."
            if _matches(t, x.abs()):
                return "negative numbers become 0, not positive: `x.clamp_min(0.)`."
            if _matches(t, x.clamp_max(0.)):
                return "you kept the negatives; ReLU keeps the positives: `x.clamp_min(0.)`."
            return None
        return diagnose

    for what, x in [("a vector of negatives, zeros and positives", vec), ("a 3x4 matrix", mat),
                    ("a single number (0-dim tensor)", torch.tensor(-1.5))]:
        _run_case(rep, what, lambda what=what, x=x: _compare(rep, what, _call(fn, x.clone()), x.clamp_min(0.), diagnose_for(x)))
    x = mat.clone()
    what = "the input is left unchanged"
    try:
        _call(fn, x)
        if torch.equal(x, mat):
            rep.ok(what)
        else:
            rep.fail(what, "your function changed its input in place.",
                     "use the out-of-place version (`clamp_min`, not `clamp_min_`; `torch.maximum`, not `x[x < 0] = 0`).")
    except _Raised as r:
        rep.fail(what, r.message + ".", r.hint)


def _check_count_params(fn: Any, rep: _Report) -> None:
    if _not_a_function(rep, fn):
        return
    torch_state = torch.random.get_rng_state()
    try:
        models = [
            ("nn.Linear(784, 1) has 785 parameters", nn.Linear(784, 1)),
            ("Linear(784, 30), ReLU, Linear(30, 1) has 23,581", nn.Sequential(nn.Linear(784, 30), nn.ReLU(), nn.Linear(30, 1))),
            ("a small CNN with a bias-free layer", nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(),
                                                                 nn.Linear(4 * 26 * 26, 10, bias=False))),
        ]
    finally:
        torch.random.set_rng_state(torch_state)  # building layers draws random numbers; give them back
    for what, model in models:
        expected = sum(p.numel() for p in model.parameters())
        n_tensors = len(list(model.parameters()))
        n_weights = sum(p.numel() for name, p in model.named_parameters() if not name.endswith("bias"))

        def body(what: str = what, model: nn.Module = model, expected: int = expected) -> None:
            got = _call(fn, model)
            if got is None:
                rep.fail(what, "your function returned None.", "did you forget `return`? (Or is `...` still there?)")
                return
            if isinstance(got, torch.Tensor):
                rep.fail(what, "your function returned a tensor, not a Python int.",
                         "wrap the total with `int(...)` (or use `p.numel()`, which is already an int).")
                return
            if isinstance(got, bool) or not isinstance(got, (int, np.integer)):
                rep.fail(what, f"your function returned a {type(got).__name__}, not an int.",
                         "add up `p.numel()` over `model.parameters()`: `sum(p.numel() for p in model.parameters())`.")
                return
            if int(got) == expected:
                rep.ok(what)
                return
            if int(got) == n_tensors:
                hint = "you counted parameter TENSORS; count the numbers inside them: `p.numel()`."
            elif int(got) == n_weights:
                hint = "you left out the biases; every tensor in `model.parameters()` counts."
            else:
                hint = "add up `p.numel()` over ALL of `model.parameters()` (every layer, weights and biases)."
            rep.fail(what, f"expected {expected:,}, got {int(got):,}.", hint)

        _run_case(rep, what, body)


EXERCISES: dict[str, Callable[[Any, _Report], None]] = {
    "stack_and_scale": _check_stack_and_scale,
    "mnist_distance": _check_mnist_distance,
    "mnist_loss": _check_mnist_loss,
    "BasicOptim": _check_basic_optim,
    "cross_entropy": _check_cross_entropy,
    "relu": _check_relu,
    "count_params": _check_count_params,
}


def check(name: str, obj: Any) -> bool:
    """Try the learner's `obj` (a function, or the BasicOptim class) on fixed inputs; print a report.

    Returns True when every check passed. Mistakes in `obj` are reported, never raised;
    an unknown `name` raises ValueError listing the known exercises.

    >>> check("count_params", lambda model: sum(p.numel() for p in model.parameters()))  # doctest: +ELLIPSIS
    Checking `count_params`:
    ...
    All 3 checks passed. Well done!
    True
    """
    if name not in EXERCISES:
        raise ValueError(f"Unknown exercise {name!r}. Known exercises: {', '.join(EXERCISES)}.")
    rep = _Report(name)
    rng_state = torch.random.get_rng_state()
    grad_enabled = torch.is_grad_enabled()
    try:
        EXERCISES[name](obj, rep)
    except _Raised as r:  # a learner error outside any case
        rep.fail("running your code", r.message + ".", r.hint)
    except Exception as err:  # e.g. comparing an odd object; still plain words, never a traceback
        r = _describe_exception(err)
        rep.fail("running your code", r.message + ".", r.hint)
    finally:
        torch.random.set_rng_state(rng_state)
        torch.set_grad_enabled(grad_enabled)
    return rep.finish()
