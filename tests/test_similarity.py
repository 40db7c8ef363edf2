"""Unit tests for helpers.similarity: the image converter, the distances the digit widget draws, and the
per-digit accuracy table of notebook 02."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

import helpers
from helpers.similarity import distances_to_means, per_class_accuracy, to_float


def test_to_float_scales_uint8_only():
    assert to_float(torch.tensor([0, 51, 255], dtype=torch.uint8)).tolist() == pytest.approx([0.0, 0.2, 1.0])
    assert to_float(torch.tensor([0.5])).tolist() == [0.5]
    with pytest.raises(ValueError, match="uint8"):
        to_float(torch.tensor([1, 2]))


def test_distances_to_means_match_torch_losses_and_do_not_depend_on_the_chunk():
    torch.manual_seed(2)
    images, means = torch.rand(7, 28, 28), torch.rand(3, 28, 28)
    losses = {"l1": lambda a, b: F.l1_loss(a, b), "rmse": lambda a, b: F.mse_loss(a, b).sqrt()}
    for metric, loss in losses.items():
        d = distances_to_means(images, means, metric, chunk=3)
        assert d.shape == (7, 3)
        expected = torch.tensor([[loss(x, m).item() for m in means] for x in images])
        assert torch.allclose(d, expected, atol=1e-6)
        assert torch.allclose(d, distances_to_means(images, means, metric), atol=1e-7)


def test_distances_to_means_scale_uint8_images():
    a, b = torch.full((1, 2, 2), 255, dtype=torch.uint8), torch.zeros(1, 2, 2, dtype=torch.uint8)
    assert distances_to_means(a, b).item() == 1.0  # not 255, and no uint8 wrap-around


def test_distances_to_means_bad_input():
    with pytest.raises(ValueError, match="metric must be one of"):
        distances_to_means(torch.rand(2, 28, 28), torch.rand(3, 28, 28), metric="l2")
    with pytest.raises(ValueError, match=r"add a batch axis"):
        distances_to_means(torch.rand(28, 28), torch.rand(3, 28, 28))
    with pytest.raises(ValueError, match="same"):
        distances_to_means(torch.rand(2, 28, 28), torch.rand(3, 14, 14))


def test_per_class_accuracy():
    table = per_class_accuracy(torch.tensor([0, 1, 1, 1]), torch.tensor([0, 0, 1, 1]))
    assert table.loc[0, "images"] == 2 and table.loc[0, "correct"] == 1 and table.loc[0, "accuracy"] == 0.5
    assert table.loc[1, "accuracy"] == 1.0
    with pytest.raises(ValueError, match="shape"):
        per_class_accuracy(torch.tensor([0, 1]), torch.tensor([0, 1, 1]))


def test_fastbook_numbers_on_the_real_data():
    """fastbook ch. 4 reports 3s 0.9168, 7s 0.9854 (mean 0.9511) for the L1 mean-digit baseline."""
    x, y = helpers.load_mnist("sample", "train")
    xv, yv = helpers.load_mnist("sample", "valid")
    means = torch.stack([to_float(x[y == d]).mean(0) for d in (3, 7)])
    preds = torch.tensor([3, 7])[distances_to_means(xv, means, "l1").argmin(dim=1)]
    acc = per_class_accuracy(preds, yv)["accuracy"]
    assert acc.loc[3] == 0.9168 and acc.loc[7] == 0.9854
    assert round((acc.loc[3] + acc.loc[7]) / 2, 4) == 0.9511
