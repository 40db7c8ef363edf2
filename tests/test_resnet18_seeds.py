"""experiments/resnet18_seeds.py, the script behind notebook 06's choices, on a few images per digit."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "experiments"))
import resnet18_seeds as experiment  # noqa: E402


def test_held_out_runs_count_mistakes_on_the_held_out_images_and_repeat_exactly(capsys):
    args = ["--task", "3v7", "--seeds", "0", "--augment", "--holdout", "10", "--per-digit", "40"]
    first = experiment.main(args)
    again = experiment.main(args)
    (run,) = first
    assert run["of"] == 20                                  # 10 held out of each of the 2 digits
    assert 0 <= run["mistakes"] <= 20 and run["augment"] and not run["label_smoothing"]
    assert first == [dict(r, seconds=run["seconds"]) for r in again]   # same seed, same mistakes
    assert "mistakes [" in capsys.readouterr().out


def test_test_image_runs_use_the_test_folder():
    (run,) = experiment.main(["--task", "3v7", "--seeds", "1", "--per-digit", "30"])
    assert run["of"] == 60 and run["holdout"] == 0       # 30 test images of each digit


def test_a_seed_gives_the_same_run_after_the_dataloaders_were_used():
    """As in notebook 06, where one DataLoaders serves three seeds and a learner may re-run a cell."""
    from fastai.vision.all import DataBlock, F, GrandparentSplitter, ImageBlock, CategoryBlock, parent_label
    path = experiment.helpers.get_mnist("sample")
    items = lambda p: [f for s in ("train", "valid") for d in sorted((p / s).ls()) for f in sorted(d.ls())[:32]]  # noqa: E731
    dls = DataBlock(blocks=(ImageBlock, CategoryBlock), get_items=items, get_y=parent_label,
                    splitter=GrandparentSplitter()).dataloaders(path, bs=16, num_workers=0)
    first, _ = experiment.train_seeded(dls, 0, F.cross_entropy)
    list(dls.train)                                     # the DataLoader moves on, as another run or a show_batch would
    again, _ = experiment.train_seeded(dls, 0, F.cross_entropy)
    assert first.recorder.values[-1] == again.recorder.values[-1]    # the same losses to the last bit


@pytest.mark.parametrize("args", [["--per-digit", "10", "--holdout", "10"], ["--holdout", "7000"]])
def test_a_holdout_as_large_as_the_training_set_is_refused(args, capsys):
    with pytest.raises(SystemExit):
        experiment.main(args)
    assert "leaves nothing to train on" in capsys.readouterr().err


@pytest.mark.parametrize("args", [["--holdout", "-5"], ["--per-digit", "0"], ["--bs", "0"]])
def test_negative_or_empty_sizes_are_refused(args, capsys):
    with pytest.raises(SystemExit):
        experiment.main(args)
    assert "--holdout must be 0 or more" in capsys.readouterr().err
