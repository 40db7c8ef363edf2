"""Training fast: MNIST as tensors on the device, batches as slices, a small conv net, a stopwatch
that waits for the GPU, and a fair race between training recipes (`race` states its rules).
Taught in notebook 07, which measures each piece one step at a time.
"""

from __future__ import annotations

import ast
import inspect
import math
import textwrap
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from typing import NamedTuple

import pandas as pd
import torch
import torch.nn.functional as F
from torch import Tensor, nn
from torch.optim.lr_scheduler import OneCycleLR
from torch.utils.flop_counter import FlopCounterMode

from helpers.data import load_mnist
from helpers.runtime import quick_mode

MNIST_MEAN, MNIST_STD = 0.1307, 0.3081  # of the training pixels scaled to 0..1


class MnistTensors(NamedTuple):
    """MNIST as four tensors: images [N, 1, 28, 28] (normalised floats) and labels [N]."""

    train_x: Tensor
    train_y: Tensor
    test_x: Tensor
    test_y: Tensor


def mnist_tensors(device: torch.device | str = "cpu", n_train: int | None = None,
                  n_test: int | None = None) -> MnistTensors:
    """All of MNIST as normalised float32 tensors on `device` (the first `n_train` training, `n_test` test images).

    Pixels are scaled to 0..1, then shifted and scaled by the training set's mean and standard
    deviation, so they average 0 with spread 1. Taught in notebook 07. In quick mode (`MNIST_QUICK=1`,
    what the tests run) the defaults are the first 6,000 training and 2,000 test images instead of all.

    >>> d = mnist_tensors("cpu", n_train=100)
    >>> d.train_x.shape, d.train_y.shape, d.train_x.dtype
    (torch.Size([100, 1, 28, 28]), torch.Size([100]), torch.float32)
    """
    for name, n, most in [("n_train", n_train, 60000), ("n_test", n_test, 10000)]:
        if n is not None and not (isinstance(n, int) and 1 <= n <= most):
            raise ValueError(f"{name} must be a whole number from 1 to {most} (or None for all), got {n!r}.")
    device = torch.device(device)
    if quick_mode():
        n_train, n_test = n_train or 6000, n_test or 2000

    def prepare(images: Tensor) -> Tensor:
        return ((images.float() / 255 - MNIST_MEAN) / MNIST_STD).unsqueeze(1).to(device)

    x, y = load_mnist("full", "train")
    tx, ty = load_mnist("full", "test")
    x, y, tx, ty = x[:n_train], y[:n_train], tx[:n_test], ty[:n_test]
    return MnistTensors(prepare(x), y.to(device), prepare(tx), ty.to(device))


def slices(x: Tensor, y: Tensor, batch_size: int, shuffle: bool = False,
           generator: torch.Generator | None = None) -> Iterator[tuple[Tensor, Tensor]]:
    """One epoch of mini-batches of (x, y) as plain slices: no DataLoader, no per-item Python.

    With `shuffle`, the whole data set is put in a new random order first (one indexing
    operation), then cut into consecutive slices; every item comes exactly once. The last
    batch is smaller when `batch_size` does not divide the data. Taught in notebook 07.

    >>> x, y = torch.arange(10).view(10, 1), torch.arange(10)
    >>> [yb.tolist() for _, yb in slices(x, y, 4)]
    [[0, 1, 2, 3], [4, 5, 6, 7], [8, 9]]
    """
    if len(x) != len(y):
        raise ValueError(f"x and y must hold as many items: got {len(x)} images and {len(y)} labels.")
    if not (isinstance(batch_size, int) and batch_size >= 1):
        raise ValueError(f"batch_size must be a whole number >= 1, got {batch_size!r}.")
    if shuffle:
        order = torch.randperm(len(x), generator=generator).to(x.device)
        x, y = x[order], y[order]
    for start in range(0, len(x), batch_size):
        yield x[start:start + batch_size], y[start:start + batch_size]


class SmallConvNet(nn.Module):
    """Two convolutions and two linear layers, sized for 28x28 digits. Taught in notebook 07.

    conv 5x5 (1 -> c1) -> max-pool 2 -> ReLU -> conv 3x3 (c1 -> c2) -> max-pool 2 -> ReLU
    -> linear (-> hidden) -> ReLU -> linear (-> 10). With the defaults this is the network of
    tuomaso/train_mnist_fast. `crop` first cuts that many pixels off each border (MNIST's
    digits sit in the central 20x20 box). It returns raw scores (logits); `F.cross_entropy`
    on them is exactly the peer's `log_softmax` + `F.nll_loss`.

    >>> sum(p.numel() for p in SmallConvNet().parameters())
    215194
    >>> SmallConvNet(channels=(16, 32), crop=2)(torch.zeros(3, 1, 28, 28)).shape
    torch.Size([3, 10])
    """

    def __init__(self, channels: tuple[int, int] = (24, 32), hidden: int = 256, crop: int = 0):
        super().__init__()
        side = ((28 - 2 * crop - 4) // 2 - 2) // 2  # after crop, conv 5x5, pool 2, conv 3x3, pool 2
        if not (isinstance(crop, int) and crop >= 0 and side >= 1):
            raise ValueError(f"crop={crop!r}: cut 0 to 8 pixels off each border (more leaves no image to convolve).")
        c1, c2 = channels
        self.crop = crop
        self.conv1, self.conv2 = nn.Conv2d(1, c1, 5), nn.Conv2d(c1, c2, 3)
        self.fc1, self.fc2 = nn.Linear(c2 * side * side, hidden), nn.Linear(hidden, 10)

    def forward(self, x: Tensor) -> Tensor:
        if self.crop:
            x = x[:, :, self.crop:-self.crop, self.crop:-self.crop]
        x = F.relu(F.max_pool2d(self.conv1(x), 2))  # pooling before ReLU: the same result, 4x fewer ReLUs
        x = F.relu(F.max_pool2d(self.conv2(x), 2))
        return self.fc2(F.relu(self.fc1(torch.flatten(x, 1))))


def count_flops(model: nn.Module, x: Tensor) -> int:
    """Floating-point operations of one forward pass of `model` on `x` (2 per multiply-add).

    Counts the convolutions and matrix products (PyTorch's FlopCounterMode), which is where
    nearly all the work is; a backward pass costs about twice as much again. Used in notebook 07.

    >>> count_flops(nn.Linear(784, 10), torch.zeros(1, 784))
    15680
    """
    was_training = model.training
    model.eval()
    try:
        with FlopCounterMode(display=False) as counter, torch.no_grad():
            model(x)
    finally:
        model.train(was_training)
    return counter.get_total_flops()


def _synchronize(device: torch.device) -> None:
    """Wait until `device` has finished its queued work (GPUs run asynchronously; CPUs don't)."""
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    elif device.type == "mps":
        torch.mps.synchronize()


class Stopwatch:
    """Wall-clock seconds of a `with` block; on a GPU it waits for the work to finish first.

    A GPU returns from each call at once and computes later, so a clock read without
    `torch.cuda.synchronize()` measures how fast Python queues work, not the work. Used in notebook 07.

    >>> with Stopwatch("cpu") as watch:
    ...     _ = torch.ones(100).sum()
    >>> 0 < watch.seconds < 1
    True
    """

    def __init__(self, device: torch.device | str = "cpu"):
        self.device, self.seconds = torch.device(device), float("nan")

    def __enter__(self) -> Stopwatch:
        _synchronize(self.device)
        self._start = time.perf_counter()
        return self

    def __exit__(self, *exc: object) -> None:
        _synchronize(self.device)
        self.seconds = time.perf_counter() - self._start


@dataclass(frozen=True)
class Recipe:
    """Everything that decides how fast a model trains, with the peer recipe as the defaults.

    The defaults are tuomaso/train_mnist_fast's recipe: its network, batch 256, Adam (lr 1e-2,
    betas (0.7, 0.9)), one-cycle schedule without momentum cycling, one epoch, float32,
    evaluation in batches of 2000 under `torch.no_grad`. Taught in notebook 07.

    >>> Recipe("peer").batch_size, replace(Recipe("peer"), name="bigger batches", batch_size=512).batch_size
    (256, 512)
    """

    name: str
    channels: tuple[int, int] = (24, 32)
    hidden: int = 256
    crop: int = 0
    batch_size: int = 256
    lr: float = 1e-2
    betas: tuple[float, float] = (0.7, 0.9)
    epochs: float = 1.0              # 0.8 trains on the first 80% of the (shuffled) training set
    label_smoothing: float = 0.0
    channels_last: bool = False
    bf16: bool = False               # autocast to bfloat16 for the forward pass
    eval_batch: int = 2000
    inference_mode: bool = False     # evaluate under torch.inference_mode instead of torch.no_grad

    def model(self) -> SmallConvNet:  # a freshly initialised network of this recipe
        return SmallConvNet(self.channels, self.hidden, self.crop)


PEER = Recipe("peer recipe (tuomaso)")


def bf16_is_fast(device: torch.device | str) -> bool:
    """True where bfloat16 arithmetic runs in hardware: an NVIDIA GPU of compute capability 8.0 or
    later (Ampere on), or a CPU with AVX-512 BF16 or AMX. Elsewhere (a T4 or GTX 1660 Ti, say)
    autocast emulates it and is slower, though `torch.cuda.is_bf16_supported()` says True. Used in notebook 07.

    >>> bf16_is_fast("mps")
    False
    """
    device = torch.device(device)
    if device.type == "cuda":
        return torch.cuda.is_available() and torch.cuda.get_device_capability(device) >= (8, 0)
    if device.type == "cpu":
        checks = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
        return any(getattr(torch.cpu, name, lambda: False)() for name in checks)
    return False


def machine_settings(recipe: Recipe, device: torch.device | str) -> Recipe:
    """`recipe` with the settings that paid on notebook 07's CPU and leave network and training as they are:
    channels-last layout, evaluation under `inference_mode` in batches of 500, and bfloat16 where the
    hardware computes it fast (`bf16_is_fast`). Any recipe can use them, the peer's too. Taught in notebook 07.

    >>> r = machine_settings(PEER, "mps"); r.channels, r.channels_last, r.eval_batch, r.bf16
    ((24, 32), True, 500, False)
    """
    return replace(recipe, channels_last=True, eval_batch=500, inference_mode=True, bf16=bf16_is_fast(device))


def our_recipe(device: torch.device | str) -> Recipe:
    """The recipe notebook 07 arrives at: the peer's, with a narrower net on the cropped digits and label
    smoothing (checked on held-out training images), plus the `machine_settings` for `device`.

    >>> r = our_recipe("cpu"); r.channels, r.crop, r.label_smoothing, r.channels_last
    ((16, 32), 2, 0.1, True)
    """
    return machine_settings(replace(PEER, name="ours", channels=(16, 32), crop=2, label_smoothing=0.1), device)


def train_recipe(recipe: Recipe, model: nn.Module, x: Tensor, y: Tensor) -> nn.Module:
    """Train `model` on (x, y) as `recipe` says: Adam, one-cycle schedule, slices in the data's order.

    The data should be shuffled already (`race` does it once per seed, as the peer saved a
    shuffled copy to disk); a second epoch, if asked for, is reshuffled. Taught in notebook 07.

    >>> d = mnist_tensors(n_train=2048)
    >>> recipe = replace(PEER, batch_size=128, epochs=2.0)
    >>> model = train_recipe(recipe, recipe.model(), d.train_x, d.train_y)
    >>> evaluate(recipe, model, d.test_x[:1000], d.test_y[:1000]) > 0.8
    True
    """
    device = x.device
    if recipe.channels_last:
        model = model.to(memory_format=torch.channels_last)
    n_items = round(recipe.epochs * len(x))
    if n_items < 1:
        raise ValueError(f"epochs={recipe.epochs} trains on no images at all: use a larger fraction.")
    # images in each epoch: all of x, and for a fraction (epochs=1.5) a last, partial epoch
    per_epoch = [min(len(x), n_items - start) for start in range(0, n_items, len(x))]
    opt = torch.optim.Adam(model.parameters(), lr=recipe.lr, betas=recipe.betas)
    schedule = OneCycleLR(opt, max_lr=recipe.lr, total_steps=sum(math.ceil(n / recipe.batch_size) for n in per_epoch),
                          cycle_momentum=False)
    model.train()
    for epoch, n in enumerate(per_epoch):
        if epoch > 0:  # a new order for each further epoch
            order = torch.randperm(len(x), device=device)
            x, y = x[order], y[order]
        for xb, yb in slices(x[:n], y[:n], recipe.batch_size):
            if recipe.channels_last:
                xb = xb.contiguous(memory_format=torch.channels_last)
            with torch.autocast(device.type, dtype=torch.bfloat16, enabled=recipe.bf16):
                out = model(xb)
            loss = F.cross_entropy(out.float(), yb, label_smoothing=recipe.label_smoothing)
            opt.zero_grad()
            loss.backward()
            opt.step()
            schedule.step()
    return model


def evaluate(recipe: Recipe, model: nn.Module, x: Tensor, y: Tensor) -> float:
    """Fraction of (x, y) that `model` gets right, evaluated in batches as `recipe` says. Used in notebook 07.

    >>> evaluate(PEER, nn.Flatten(), torch.eye(10).view(10, 1, 1, 10), torch.arange(10))
    1.0
    """
    model.eval()
    correct = torch.zeros((), dtype=torch.long, device=x.device)  # summed on the device: one sync at the end
    no_grad = torch.inference_mode() if recipe.inference_mode else torch.no_grad()
    with no_grad, torch.autocast(x.device.type, dtype=torch.bfloat16, enabled=recipe.bf16):
        for xb, yb in slices(x, y, recipe.eval_batch):
            if recipe.channels_last:
                xb = xb.contiguous(memory_format=torch.channels_last)
            correct += (model(xb).argmax(dim=1) == yb).sum()
    return correct.item() / len(y)


def time_recipe(recipe: Recipe, data: MnistTensors, seed: int) -> tuple[float, float]:
    """(test accuracy, seconds) of one run of `recipe`, timed from building the model to knowing
    its accuracy, on the data in its order (`race` shuffles it). Used in notebook 07.

    >>> d = mnist_tensors(n_train=512)
    >>> accuracy, seconds = time_recipe(PEER, MnistTensors(d.train_x, d.train_y, d.test_x[:100], d.test_y[:100]), seed=0)
    >>> 0 <= accuracy <= 1 and seconds > 0
    True
    """
    with Stopwatch(data.train_x.device) as watch:
        torch.manual_seed(seed)
        model = recipe.model().to(data.train_x.device)
        train_recipe(recipe, model, data.train_x, data.train_y)
        acc = evaluate(recipe, model, data.test_x, data.test_y)
    return acc, watch.seconds


def race(recipes: Sequence[Recipe], data: MnistTensors, seeds: Sequence[int] = (0, 1, 2),
         verbose: bool = True) -> pd.DataFrame:
    """Time every recipe on every seed, taking turns; one row per recipe. Taught in notebook 07.

    For each seed the training set is shuffled once (off the clock, the same order for every
    recipe), then each recipe runs in turn (`time_recipe`), the order rotating by one each seed so
    that no recipe always goes first (each still follows the same one). Before that each recipe runs once on
    a few batches, untimed, so no one pays for the first call's set-up (memory, kernel choice).
    The table gives each recipe's mean and lowest accuracy and median seconds (`summarize`): a recipe
    reaches 99% when its mean is at least 0.99 with no seed below 0.989; its median time is then its time to 99%.

    >>> d = mnist_tensors(n_train=1024)
    >>> small = MnistTensors(d.train_x, d.train_y, d.test_x[:2000], d.test_y[:2000])
    >>> race([PEER, our_recipe("cpu")], small, seeds=[0], verbose=False).columns.tolist()
    ['method', 'accuracy', 'worst', 'seconds', 'reaches_99']
    """
    recipes = list(recipes)
    if not recipes or not seeds:
        raise ValueError("race needs at least one recipe and one seed.")
    names = [r.name for r in recipes]
    if len(set(names)) != len(names):
        raise ValueError(f"Give each recipe its own name; got {names}.")
    for r in recipes:  # warm-up, untimed
        n = 3 * r.batch_size
        time_recipe(replace(r, epochs=1.0), MnistTensors(data.train_x[:n], data.train_y[:n],
                                                    data.test_x[:r.eval_batch], data.test_y[:r.eval_batch]), 0)
    rows, width = [], max(len(name) for name in names)   # names padded to the longest: the columns line up
    for i, seed in enumerate(seeds):
        order = torch.randperm(len(data.train_x), generator=torch.Generator().manual_seed(seed))
        order = order.to(data.train_x.device)
        shuffled = MnistTensors(data.train_x[order], data.train_y[order], data.test_x, data.test_y)
        for r in recipes[i % len(recipes):] + recipes[:i % len(recipes)]:
            acc, seconds = time_recipe(r, shuffled, seed)
            rows.append(dict(method=r.name, seed=seed, accuracy=acc, seconds=seconds))
            if verbose:
                print(f"seed {seed}  {r.name:{width}}  accuracy {acc:.4f}  {seconds:6.2f} s", flush=True)
    return summarize(pd.DataFrame(rows))


def summarize(runs: pd.DataFrame, target: float = 0.99, worst: float = 0.989) -> pd.DataFrame:
    """One row per method of `runs` (method, seed, accuracy, seconds): mean and lowest accuracy,
    median seconds, and whether it reaches `target` (mean >= target, no run below `worst`). The median
    time, not the mean: one run slowed down by something else on the machine does not move it.

    >>> runs = pd.DataFrame(dict(method="a", seed=[0, 1, 2], accuracy=[0.991, 0.990, 0.992], seconds=[2.0, 9.0, 3.0]))
    >>> summarize(runs).to_dict("records")
    [{'method': 'a', 'accuracy': 0.991, 'worst': 0.99, 'seconds': 3.0, 'reaches_99': True}]
    """
    table = runs.groupby("method", sort=False).agg(accuracy=("accuracy", "mean"), worst=("accuracy", "min"),
                                                   seconds=("seconds", "median")).reset_index()
    table["reaches_99"] = (table["accuracy"] >= target - 1e-9) & (table["worst"] >= worst - 1e-9)
    table["accuracy"], table["seconds"] = table["accuracy"].round(4), table["seconds"].round(3)
    return table


def source_without_docstrings(*objects: object) -> str:
    """The source code of each function (or method), without its docstring, to read in a notebook; the
    comments stay. Used in notebook 07 to show `train_recipe` and `evaluate` as plain code.

    >>> def double(x):
    ...     '''Twice x: double(2) is 4.'''
    ...     return 2 * x  # the whole job
    >>> print(source_without_docstrings(double))
    def double(x):
        return 2 * x  # the whole job
    """
    parts = []
    for obj in objects:
        try:
            lines = textwrap.dedent(inspect.getsource(obj)).splitlines()
        except (OSError, TypeError) as e:
            raise ValueError(f"can't read the source of {obj!r}: pass a function or method defined in a file.") from e
        drop = set()
        for node in ast.walk(ast.parse("\n".join(lines))):
            body = getattr(node, "body", None)
            if (isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and body
                    and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant)
                    and isinstance(body[0].value.value, str)):
                drop.update(range(body[0].lineno - 1, body[0].end_lineno))
        parts.append("\n".join(line for i, line in enumerate(lines) if i not in drop))
    return "\n\n".join(parts)
