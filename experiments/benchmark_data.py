"""Benchmark of the data layer (a script, not a test): `make bench` or
`.venv/bin/python experiments/benchmark_data.py`.

Prints, from one run on this machine:
  1. the time to build both PNG folders (full and sample) from the IDX files, in a fresh cache;
  2. the time of load_mnist("full", "train") from the cache;
  3. the time to decode the same 60,000 training PNGs with PIL, and the ratio of 3 to 2.
The machine is shared and noisy: compare the numbers of one run, not across runs.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import helpers  # noqa: E402
from helpers._course import cache  # noqa: E402


def timed(fn, repeat: int = 1) -> tuple[float, object]:
    times, result = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), result


def main() -> None:
    real_idx = cache.ensure_idx()
    full = helpers.get_mnist("full")
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["MNIST_CACHE"], os.environ["MNIST_SOURCE"] = tmp, str(real_idx)
        t_idx, _ = timed(cache.ensure_idx)
        t_full, _ = timed(lambda: helpers.get_mnist("full", progress=False))
        t_sample, _ = timed(lambda: helpers.get_mnist("sample", progress=False))
    del os.environ["MNIST_CACHE"], os.environ["MNIST_SOURCE"]

    t_load, (x, y) = timed(lambda: helpers.load_mnist("full", "train"), repeat=5)
    files = sorted((full / "training").glob("*/*.png"))

    def decode() -> np.ndarray:
        return np.stack([np.asarray(Image.open(f)) for f in files])

    t_png, stacked = timed(decode)
    assert stacked.shape == tuple(x.shape), "decoded a different number of images"

    print(f"copy + md5-check the 4 IDX files into a fresh cache: {t_idx:6.2f} s")
    print(f"build mnist_png (70,000 PNGs) from IDX:               {t_full:6.2f} s")
    print(f"build mnist_sample (14,434 PNGs) from IDX:            {t_sample:6.2f} s")
    print(f"load_mnist('full', 'train') from cache (median of 5): {t_load:6.3f} s")
    print(f"decode the same 60,000 PNGs with PIL:                 {t_png:6.2f} s")
    print(f"ratio, PNG decoding / load_mnist:                     {t_png / t_load:6.0f} x")


if __name__ == "__main__":
    main()
