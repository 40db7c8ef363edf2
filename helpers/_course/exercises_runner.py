"""How `helpers.check` tries a learner's code: run each case, compare, explain.

Used by `helpers.check` (notebooks 01 to 07); the exercises themselves are in exercises.py.
For each case of an exercise, `run_exercise`:

1. runs the reference solution, then the learner's code, each on its own copy of the inputs;
2. compares the two results (`what_is_wrong`): the words of a FAIL line and a general hint;
3. on a FAIL, runs each known mistake on the same inputs: the first one that goes wrong in
   exactly the same words gives its own hint instead of the general one.

An error raised inside the learner's code is a FAIL, in plain words with the line of their
code that raised it (`describe_error`). An error anywhere else is a bug in the checker:
`run_exercise` says so and prints the full traceback.
"""

from __future__ import annotations

import ast
import inspect
import os
import sys
import textwrap
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

__all__ = ["Exercise", "CaseResult", "YourCodeRaised", "run_code", "describe_error", "run_exercise", "try_cases",
           "not_callable", "what_is_wrong", "is_unwritten"]

Problem = tuple[str, str]  # (what went wrong, in the words of a FAIL line; a hint)


class YourCodeRaised(Exception):
    """The learner's code raised the exception kept in `__cause__`."""


def run_code(code: Callable, *args: Any) -> Any:
    """Run the learner's code (or a solution, or a known mistake); an error inside it becomes
    `YourCodeRaised`, so it is never mistaken for a bug in the checker.

    Used by `helpers.check` (notebooks 01 to 07).

    >>> run_code(lambda x: x + 1, 1)
    2
    """
    try:
        return code(*args)
    except Exception as error:
        raise YourCodeRaised from error


# ------------------------------------------------------------ what is wrong with a result


def _shape(t: torch.Tensor) -> str:
    return "[" + ", ".join(str(n) for n in t.shape) + "]" + ("  (a single number)" if t.ndim == 0 else "")


def _num(x: float) -> str:
    return f"{x:.4g}"


def _wrong_values(got: torch.Tensor, expected: torch.Tensor) -> str:
    """Words for two tensors of the same shape whose values differ: the first wrong value."""
    if got.ndim == 0:
        return f"expected {_num(expected.item())}, got {_num(got.item())}."
    wrong = ~torch.isclose(got, expected, rtol=1e-4, atol=1e-4)
    i = int(wrong.flatten().nonzero()[0])
    position = ", ".join(str(int(k)) for k in np.unravel_index(i, tuple(got.shape)))
    return (f"wrong value at position [{position}]: expected {_num(expected.flatten()[i].item())}, "
            f"got {_num(got.flatten()[i].item())} ({int(wrong.sum())} of {got.numel()} values differ).")


def what_is_wrong(got: Any, expected: Any) -> Problem | None:
    """How the learner's result `got` differs from the reference's `expected`, as (words, hint),
    or None when they agree. Tensors are compared by shape, dtype, NaN, values, gradients.

    Used by `helpers.check` (notebooks 01 to 07).

    >>> what_is_wrong(torch.zeros(3), torch.zeros(5))[0]
    'expected shape [5], got [3].'
    >>> what_is_wrong(torch.tensor(0.5), torch.tensor(0.25))[0]
    'expected 0.25, got 0.5.'
    """
    if got is None:
        return "it returned None.", ("did you forget `return`? "
                                     "(If the `...` placeholder is still there, replace it with your code.)")
    if got is Ellipsis:
        return "it returned `...`.", "replace the `...` placeholder with your code."
    if isinstance(expected, int):  # count_params answers with a Python int
        if isinstance(got, torch.Tensor):
            return "it returned a tensor, not a Python int.", "wrap the total with `int(...)`."
        if isinstance(got, bool) or not isinstance(got, (int, np.integer)):
            return f"it returned a {type(got).__name__}, not an int.", "add up `p.numel()` over `model.parameters()`."
        if got != expected:
            return f"expected {expected:,}, got {int(got):,}.", "add up `p.numel()` over ALL of `model.parameters()`."
        return None
    if not isinstance(got, torch.Tensor):
        kind = {np.ndarray: "a NumPy array", tuple: "a tuple", list: "a list", int: "a Python number",
                float: "a Python number"}.get(type(got), f"a {type(got).__name__}")
        return (f"it returned {kind}, not a tensor.", "return one tensor made with PyTorch operations (gradients flow "
                "only through those): `.item()`, `float(...)`, `.numpy()` and Python's `max` give other types.")
    if got.shape != expected.shape:
        return (f"expected shape {_shape(expected)}, got {_shape(got)}.",
                "print the `.shape` after each step to see where it changes.")
    if got.dtype != expected.dtype:
        return f"expected {expected.dtype}, got {got.dtype}.", "convert with `.float()` (float32, what models use)."
    values = got.detach().cpu()
    if not values.isfinite().all():
        bad = "NaN" if values.isnan().any() else "infinity"
        return f"the result contains {bad}.", "look for exp() of a large number, log(0) or 0/0."
    if not torch.allclose(values, expected.detach(), rtol=1e-4, atol=1e-4):
        return (_wrong_values(values, expected.detach()),
                "work out a tiny example on paper and compare it with what your code gives.")
    if expected.requires_grad and not got.requires_grad:
        return ("the result is cut off from its inputs, so `.backward()` cannot work.",
                "avoid `.item()`, `.detach()`, `.data` and NumPy inside the loss.")
    return None


# ------------------------------------------------------------ an error inside the learner's code

# (words in the error's type or message, the hint for it): the first one found is used
ERROR_HINTS = [
    ("notimplementederror", "replace `raise NotImplementedError` with your code."),
    ("could not infer output dtype", "a comparison such as `x > 0` gives True/False (bool), which `.mean()` can't "
     "average: convert it to numbers first, `(x > 0).float().mean()`."),
    ("leaf variable that requires grad", "PyTorch will not change a parameter in place while it records gradients: "
     "do the update inside `with torch.no_grad():` (or on `p.data`)."),
    ("ambiguous", "Python's `if`, `max`, `and`/`or` work on one number, not on a whole tensor: use tensor "
     "operations such as `torch.where`, `x.clamp_min(0.)` or `torch.maximum`."),
    ("nonetype", "something in that line is None: a function it calls may lack a `return`, or a `.grad` is None "
     "(no `.backward()` since it was cleared)."),
    ("has no attribute", "there is no such name after the dot: check its spelling; a method of your own class "
     "must be defined inside the class (indented, with `self`)."),
    ("must match the size", "two tensors have shapes that cannot be combined: print the `.shape` of each."),
    ("cannot be multiplied", "the inner sizes of a matrix product must agree: print the `.shape` of both sides."),
    ("expected scalar type", "two tensors have different dtypes: convert with `.float()` (or `.long()` for labels)."),
    ("dimension out of range", "this tensor has fewer axes than your code assumes: print its `.shape`."),
    ("indexerror", "an index is out of range: print the `.shape` of the tensor and check which axis you index."),
    ("not callable", "you are calling something that is not a function: look for a missing operator, or a name "
     "reused for a value."),
    ("is not defined", "a name is used before it is defined: check its spelling, and that its cell has run."),
]


def describe_error(error: BaseException, signature: str) -> Problem:
    """Plain words for an error raised inside the learner's code (its type, message and the line
    of their code that raised it) and a hint. `signature` says how the checker calls their code.

    Used by `helpers.check` (notebooks 01 to 07).

    >>> describe_error(TypeError("relu() takes 1 positional argument but 2 were given"), "`relu(x)`")[1]
    'check the inputs your `def` line takes: the checker calls `relu(x)`.'
    """
    message = (str(error).strip().splitlines() or [""])[0][:160]
    package = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep  # helpers/, _course/ included
    frames = [f for f in traceback.extract_tb(error.__traceback__) if not os.path.abspath(f.filename).startswith(package)
              and "site-packages" not in f.filename and "dist-packages" not in f.filename]
    where = f" in `{frames[-1].name}`, at `{(frames[-1].line or '').strip()}`" if frames else ""
    words = f"it raised {type(error).__name__}{where}: {message}".rstrip(":. ") + "."
    text = f"{type(error).__name__} {error}".lower()
    if "takes no arguments" in text:  # a class with no __init__
        return words, f"your class has no `__init__` yet (is `...` still there?): the checker calls {signature}."
    if isinstance(error, AttributeError) and error.name and not frames:  # the checker asked for a missing method
        return words, f"your class has no method `{error.name}`: define `def {error.name}(self):` inside it."
    if isinstance(error, TypeError) and not frames:  # raised by the call itself: wrong inputs
        return words, f"check the inputs your `def` line takes: the checker calls {signature}."
    hint = next((h for key, h in ERROR_HINTS if key in text),
                "call your code by hand in a cell of its own to see the full error and where it comes from.")
    return words, hint


# ------------------------------------------------------------ one exercise, as data, and its runner


@dataclass
class Exercise:
    """One exercise as data: how `check` calls the learner's code (for hints), the reference
    solution, `cases()` making fresh (description, inputs) pairs, and the known mistakes as
    (the wrong code itself, its hint). `run(code, *inputs)` tries one case (default: `run_code`);
    `compare(got, expected)` says what is wrong (default: `what_is_wrong`).

    Used by `helpers.check` (notebooks 01 to 07); `run_exercise` shows one in use.
    """

    signature: str
    solution: Callable
    cases: Callable[[], list[tuple[str, tuple]]]
    mistakes: list[tuple[Callable, str]]
    run: Callable = run_code
    compare: Callable[[Any, Any], Problem | None] = what_is_wrong


def _fresh(x: Any) -> Any:
    """A copy of a case's inputs (tensors cloned), so that no code can change the originals."""
    if isinstance(x, torch.Tensor):
        return x.clone()
    if isinstance(x, (list, tuple)):
        return type(x)(_fresh(item) for item in x)
    return x


def _changed(args: tuple, originals: tuple) -> bool:
    """Did the code change its inputs? (Looks inside lists: stack_and_scale takes a list of images.)"""
    tensors = [[t for a in x for t in (a if isinstance(a, list) else [a]) if isinstance(t, torch.Tensor)]
               for x in (args, originals)]
    return len(tensors[0]) != len(tensors[1]) or not all(torch.equal(a, b) for a, b in zip(*tensors))


def _outcome(exercise: Exercise, code: Callable, inputs: tuple, expected: Any) -> Problem | None:
    """Run `code` on a copy of one case's inputs: what is wrong with its result (None: nothing)."""
    args = _fresh(inputs)
    problem = exercise.compare(exercise.run(code, *args), expected)
    if problem is None and _changed(args, inputs):
        problem = ("your function changed its input in place.",
                   "leave the inputs as they are: use operations that make a new tensor (`x.clamp_min(0.)`, "
                   "`x.float() / 255`), not in-place ones (`x.clamp_min_(0.)`, `x /= 255`, `x[x < 0] = 0`).")
    return problem


@dataclass
class CaseResult:
    """How the learner's code did on one case: `problem` and `hint` are None when it passed."""

    what: str
    problem: str | None = None
    hint: str | None = None


def try_cases(exercise: Exercise, obj: Any, cases: list[tuple[str, tuple]]) -> list[CaseResult]:
    """Try `obj` on each (description, inputs) case against the reference solution; for a FAIL,
    the hint of the known mistake that goes wrong the same way, else the general one.

    Used by `helpers.check` (notebooks 01 to 07) and by the teacher's grader (classroom/grade.py),
    which passes cases of its own.
    """
    results = []
    for what, inputs in cases:
        expected = exercise.run(exercise.solution, *_fresh(inputs))
        try:
            problem = _outcome(exercise, obj, inputs, expected)
        except YourCodeRaised as raised:
            problem = describe_error(raised.__cause__, exercise.signature)
        if problem is None:
            results.append(CaseResult(what))
            continue
        words, hint = problem
        for mistake, mistake_hint in exercise.mistakes:  # a known mistake that goes wrong the same way?
            if (_outcome(exercise, mistake, inputs, expected) or ("",))[0] == words:
                hint = mistake_hint
                break
        results.append(CaseResult(what, words, hint))
    return results


def not_callable(exercise: Exercise, name: str, obj: Any) -> CaseResult | None:
    """A FAIL when `obj` can't be called (None, a number...): the learner passed the wrong thing."""
    if callable(obj):
        return None
    kind = "class" if isinstance(exercise.solution, type) else "function"
    problem = "you passed None." if obj is None else f"you passed a {type(obj).__name__}, which cannot be called."
    return CaseResult(f"`{name}` is a {kind}", problem,
                      f'pass your {kind} itself, without calling it: helpers.check("{name}", {name}).')


def _run_cases(exercise: Exercise, name: str, obj: Any) -> tuple[int, int]:
    """Try `obj` on each case, printing an ok or FAIL line; returns (checks passed, checks made)."""
    wrong_thing = not_callable(exercise, name, obj)
    results = [wrong_thing] if wrong_thing else try_cases(exercise, obj, exercise.cases())
    hints_given: set[str] = set()
    for result in results:
        if result.problem is None:
            print(f"  ok  - {result.what}")
            continue
        print(f"  FAIL - {result.what}\n         {result.problem}")
        if result.hint not in hints_given:  # the same hint once is enough
            hints_given.add(result.hint)
            print(f"         Hint: {result.hint}")
    return sum(r.problem is None for r in results), len(results)


def _only_placeholder(body: list[ast.stmt]) -> bool:
    """Nothing but `...` and docstrings (a comment is not in the tree)."""
    return all(isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant)
               and (s.value.value is Ellipsis or isinstance(s.value.value, str)) for s in body)


def is_unwritten(obj: Any) -> bool:
    """True when `obj` is still the exercise's template: a function, or a class, whose body is only `...`
    (a class may also hold methods that are all only `...`). Anything else, or code whose source
    can't be read, is False and gets the checks.

    >>> def template(x):
    ...     ...  # your code here
    >>> def started(x):
    ...     y = x + 1
    >>> is_unwritten(template), is_unwritten(started), is_unwritten(len)
    (True, False, False)
    """
    if not (inspect.isfunction(obj) or inspect.isclass(obj)):
        return False
    try:
        tree = ast.parse(textwrap.dedent(inspect.getsource(obj)))
    except (OSError, TypeError, SyntaxError):
        return False
    if not tree.body or not isinstance(tree.body[0], (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return False
    node = tree.body[0]
    if isinstance(node, ast.ClassDef):
        methods = [s for s in node.body if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef))]
        rest = [s for s in node.body if s not in methods]
        return _only_placeholder(rest) and all(_only_placeholder(m.body) for m in methods)
    return _only_placeholder(node.body)


def run_exercise(exercise: Exercise, name: str, obj: Any) -> bool:
    """Print the report for the learner's `obj` on `exercise`; True when every check passed.
    The global random state and grad mode are left as they were.

    Used by `helpers.check` (notebooks 01 to 07).

    >>> double = Exercise("`double(x)`", lambda x: 2 * x, lambda: [("2 * 21 = 42", (21,))], mistakes=[])
    >>> run_exercise(double, "double", lambda x: x + x)
    Checking `double`:
      ok  - 2 * 21 = 42
    All 1 check passed. Well done!
    True
    """
    if is_unwritten(obj):   # the template as it came: no list of FAILs, just what to do
        print(f"`{name}` is not written yet: replace the `...` with your code, then run this cell again.")
        return False
    print(f"Checking `{name}`:")
    try:
        with torch.random.fork_rng(devices=[]), torch.enable_grad():
            passed, total = _run_cases(exercise, name, obj)
    except Exception as bug:  # not the learner's code: `run_code` wraps every error raised there
        print("  CHECKER BUG - the checker itself crashed. This is a bug in helpers (exercises.py or")
        print("  exercises_runner.py), not in your code: please report it with the traceback below.")
        if isinstance(bug, YourCodeRaised):  # a reference solution or a known mistake raised
            bug = bug.__cause__
        traceback.print_exception(bug, file=sys.stdout)
        return False
    checks = f"{total} check" + ("s" if total != 1 else "")
    if passed == total:
        print(f"All {checks} passed. Well done!")
    else:
        print(f"Not yet: {passed} of {checks} passed. Fix the first FAIL above and run the cell again.")
    return passed == total
