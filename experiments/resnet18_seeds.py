"""Notebook 06's resnet18 recipe over several seeds, with or without its two changes (a script, not a test).

Notebook 06 trains each recipe once; how much one run differs from the next, and the choices it
made (data augmentation for 3 vs 7, label smoothing for ten digits), were measured with this script,
over many seeds, on the test images and on images held out of the training set (see resnet18.md).
Each run is fastbook's recipe: resnet18 from scratch, fastai's `vision_learner`, one epoch of
`fit_one_cycle` at `--lr` (fastbook's 0.1 by default; the first studies used 2e-2), batches of `--bs`
(fastai's 64 by default), the files sorted, and the seed set (weights, augmentations and the order of batches) just before the
network is built, so on one kind of CPU a seed repeats its run exactly.

    .venv/bin/python experiments/resnet18_seeds.py --task 3v7 --seeds 0 1 2 3 4
    .venv/bin/python experiments/resnet18_seeds.py --task 3v7 --augment --holdout 500
    .venv/bin/python experiments/resnet18_seeds.py --task ten --augment --label-smoothing --seeds 0 1 2

`--holdout N` trains on all but the last N images of each digit's training folder and counts the
mistakes on those N per digit: the clean way to compare recipes, leaving the test images alone.
One line per run, then the mistakes of all runs, their median and mean. About 35 s per run for
3 vs 7 and 3 minutes for ten digits on a 2-core CPU.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
import helpers  # noqa: E402

FOLDERS = {"3v7": ("sample", "train", "valid"), "ten": ("full", "training", "testing")}


def train_one(task: str, seed: int, augment: bool, label_smoothing: bool, holdout: int,
              per_digit: int | None, lr: float = 0.1, bs: int = 64) -> dict:
    """One resnet18 run; returns its settings, mistakes, evaluated images and seconds."""
    from fastai.vision.all import (CategoryBlock, DataBlock, F, FuncSplitter, GrandparentSplitter, ImageBlock,
                                   LabelSmoothingCrossEntropyFlat, aug_transforms, get_image_files, parent_label)
    helpers.setup(seed=seed, verbose=False)
    name, train, valid = FOLDERS[task]
    path = helpers.get_mnist(name)

    def files(folder: Path) -> list[Path]:
        return sorted(get_image_files(folder))[:per_digit] if per_digit else sorted(get_image_files(folder))

    if holdout:
        smallest = min(len(files(folder)) for folder in (path / train).ls())
        if holdout >= smallest:
            raise ValueError(f"--holdout {holdout} leaves nothing to train on: a digit's training folder has "
                             f"{smallest} images here; hold out fewer")
        held = {f for folder in sorted((path / train).ls()) for f in files(folder)[-holdout:]}
        get_items = lambda p: [f for folder in sorted((p / train).ls()) for f in files(folder)]  # noqa: E731
        splitter = FuncSplitter(lambda f: f in held)
    else:
        get_items = lambda p: [f for split in (train, valid) for folder in sorted((p / split).ls())  # noqa: E731
                               for f in files(folder)]
        splitter = GrandparentSplitter(train_name=train, valid_name=valid)
    batch_tfms = aug_transforms(do_flip=False, max_lighting=0, max_warp=0) if augment else None
    dls = DataBlock(blocks=(ImageBlock, CategoryBlock), get_items=get_items, splitter=splitter,
                    get_y=parent_label, batch_tfms=batch_tfms).dataloaders(path, bs=bs, num_workers=0)
    loss = LabelSmoothingCrossEntropyFlat() if label_smoothing else F.cross_entropy
    learn, seconds = train_seeded(dls, seed, loss, lr)
    acc = float(learn.recorder.values[-1][2])
    n = len(dls.valid_ds)
    return dict(task=task, seed=seed, lr=lr, bs=bs, augment=augment, label_smoothing=label_smoothing, holdout=holdout,
                mistakes=round((1 - acc) * n), of=n, seconds=round(seconds))


def train_seeded(dls, seed: int, loss_func, lr: float = 0.1) -> tuple:
    """A new resnet18 from `seed`, trained for one epoch at `lr`; (Learner, seconds).

    The seed fixes the starting weights, the augmentations and the order of batches, whatever the
    DataLoaders did before: fastai's training DataLoader shuffles with a generator of its own, which
    `set_seed` does not reset.
    """
    from fastai.vision.all import accuracy, resnet18, set_seed, vision_learner
    set_seed(seed)
    dls.train.rng = random.Random(seed)
    learn = vision_learner(dls, resnet18, pretrained=False, loss_func=loss_func, metrics=accuracy)
    t0 = time.perf_counter()
    with learn.no_bar(), learn.no_logging():
        learn.fit_one_cycle(1, lr)
    return learn, time.perf_counter() - t0


def main(argv: list[str] | None = None) -> list[dict]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--task", choices=sorted(FOLDERS), default="3v7", help="3 vs 7, or all ten digits")
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--augment", action="store_true", help="notebook 06's aug_transforms")
    parser.add_argument("--label-smoothing", action="store_true", help="label smoothing, eps 0.1 (ten digits)")
    parser.add_argument("--holdout", type=int, default=0, metavar="N",
                        help="evaluate on the last N training images of each digit instead of the test images")
    parser.add_argument("--lr", type=float, default=0.1, help="the peak learning rate (fastbook's 0.1)")
    parser.add_argument("--bs", type=int, default=64, help="images per batch (fastai's 64)")
    parser.add_argument("--per-digit", type=int, default=None, metavar="N",
                        help="use only the first N images of each folder (a quick try; the results mean little)")
    args = parser.parse_args(argv)
    if args.holdout < 0 or (args.per_digit is not None and args.per_digit < 1) or args.bs < 1:
        parser.error("--holdout must be 0 or more, and --per-digit and --bs 1 or more")
    runs = []
    for seed in args.seeds:
        try:
            run = train_one(args.task, seed, args.augment, args.label_smoothing, args.holdout, args.per_digit,
                            args.lr, args.bs)
        except ValueError as e:
            parser.error(str(e))
        print(json.dumps(run), flush=True)
        runs.append(run)
    mistakes = [run["mistakes"] for run in runs]
    print(f"mistakes {mistakes} of {runs[0]['of']:,}: median {statistics.median(mistakes):g}, "
          f"mean {statistics.mean(mistakes):.1f}")
    return runs


if __name__ == "__main__":
    main()
