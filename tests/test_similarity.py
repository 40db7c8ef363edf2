"""Unit tests for helpers.similarity: mean digits, distances and the nearest-mean baseline."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

import helpers
from helpers.similarity import (
    distances_to_means,
    l1_distance,
    margin,
    mean_digits,
    nearest_mean,
    per_class_accuracy,
    rmse_distance,
    to_float,
)


def test_to_float_scales_uint8_only():
    assert to_float(torch.tensor([0, 51, 255], dtype=torch.uint8)).tolist() == pytest.approx([0.0, 0.2, 1.0])
    assert to_float(torch.tensor([0.5])).tolist() == [0.5]
    with pytest.raises(ValueError, match="uint8"):
        to_float(torch.tensor([1, 2]))


def test_distances_match_torch_losses():
    torch.manual_seed(0)
    a, b = torch.rand(28, 28), torch.rand(28, 28)
    assert l1_distance(a, b).item() == pytest.approx(F.l1_loss(a, b).item(), abs=1e-6)
    assert rmse_distance(a, b).item() == pytest.approx(F.mse_loss(a, b).sqrt().item(), abs=1e-6)


def test_distances_broadcast_one_image_over_a_batch():
    torch.manual_seed(1)
    batch, one = torch.rand(5, 28, 28), torch.rand(28, 28)
    d = l1_distance(batch, one)
    assert d.shape == (5,)
    assert d[3].item() == pytest.approx(l1_distance(batch[3], one).item())
    assert rmse_distance(batch, batch).tolist() == [0.0] * 5


def test_distances_scale_uint8_images():
    a = torch.zeros(28, 28, dtype=torch.uint8)
    b = torch.full((28, 28), 255, dtype=torch.uint8)
    assert l1_distance(a, b).item() == 1.0  # not 255, and no uint8 wrap-around


@pytest.mark.parametrize("fn", [l1_distance, rmse_distance])
def test_distances_of_mismatched_shapes_say_so(fn):
    with pytest.raises(ValueError, match=r"different sizes: a is \[5, 28, 28\], b is \[27, 27\]"):
        fn(torch.rand(5, 28, 28), torch.rand(27, 27))
    # [5, 28, 28] vs [3, 28, 28] would fail to broadcast; [5, 1, 28, 28] vs [3, 28, 28]
    # would silently broadcast to [5, 3]: both are refused with advice instead
    with pytest.raises(ValueError, match="distances_to_means"):
        fn(torch.rand(5, 28, 28), torch.rand(3, 28, 28))
    with pytest.raises(ValueError, match="distances_to_means"):
        fn(torch.rand(5, 1, 28, 28), torch.rand(3, 28, 28))
    with pytest.raises(ValueError, match=r"got shape \[784\]"):
        fn(torch.rand(784), torch.rand(28, 28))
    with pytest.raises(ValueError, match="must be a tensor"):
        fn([[0.0]], torch.rand(28, 28))


def test_mean_digits():
    x = torch.tensor([[[0, 0]], [[255, 255]], [[255, 0]]], dtype=torch.uint8)
    y = torch.tensor([7, 7, 3])
    means = mean_digits(x, y)
    assert means.shape == (2, 1, 2)
    assert means.tolist() == [[[1.0, 0.0]], [[0.5, 0.5]]]  # class 3 first, then 7
    assert mean_digits(x, y, classes=[7]).tolist() == [[[0.5, 0.5]]]


def test_mean_digits_bad_input():
    with pytest.raises(ValueError, match=r"labels must have shape \[N\] = \[3\]"):
        mean_digits(torch.zeros(3, 2, 2), torch.tensor([1, 2]))
    with pytest.raises(ValueError, match="class 5 has no images"):
        mean_digits(torch.zeros(3, 2, 2), torch.tensor([1, 2, 2]), classes=[1, 5])
    with pytest.raises(ValueError, match=r"\[N, H, W\]"):
        mean_digits(torch.zeros(3, 4), torch.tensor([1, 2, 2]))


def test_distances_to_means_in_chunks_equals_one_go():
    torch.manual_seed(2)
    images, means = torch.rand(7, 28, 28), torch.rand(3, 28, 28)
    for metric, fn in (("l1", l1_distance), ("rmse", rmse_distance)):
        d = distances_to_means(images, means, metric, chunk=3)
        assert d.shape == (7, 3)
        expected = torch.stack([fn(images, m) for m in means], dim=1)
        assert torch.allclose(d, expected, atol=1e-6)


def test_distances_to_means_bad_input():
    with pytest.raises(ValueError, match="metric must be one of"):
        distances_to_means(torch.rand(2, 28, 28), torch.rand(3, 28, 28), metric="l2")
    with pytest.raises(ValueError, match=r"add a batch axis"):
        distances_to_means(torch.rand(28, 28), torch.rand(3, 28, 28))
    with pytest.raises(ValueError, match="same"):
        distances_to_means(torch.rand(2, 28, 28), torch.rand(3, 14, 14))


def test_nearest_mean_names_classes():
    means = torch.stack([torch.zeros(2, 2), torch.ones(2, 2)])
    preds, dists = nearest_mean(torch.stack([torch.full((2, 2), 0.2), torch.full((2, 2), 0.7)]), means,
                                classes=[3, 7])
    assert preds.tolist() == [3, 7]
    assert dists.shape == (2, 2)
    with pytest.raises(ValueError, match="one per mean"):
        nearest_mean(torch.zeros(1, 2, 2), means, classes=[3])


def test_per_class_accuracy_and_margin():
    table = per_class_accuracy(torch.tensor([0, 1, 1, 1]), torch.tensor([0, 0, 1, 1]))
    assert table.loc[0, "images"] == 2 and table.loc[0, "correct"] == 1 and table.loc[0, "accuracy"] == 0.5
    assert table.loc[1, "accuracy"] == 1.0
    with pytest.raises(ValueError, match="shape"):
        per_class_accuracy(torch.tensor([0, 1]), torch.tensor([0, 1, 1]))
    m = margin(torch.tensor([[0.25, 0.75], [0.5, 0.25]]), torch.tensor([7, 3]), classes=[3, 7])
    assert m.tolist() == [0.5, 0.25]
    with pytest.raises(ValueError, match=r"classes \[5\]"):
        margin(torch.tensor([[0.25, 0.75]]), torch.tensor([5]), classes=[3, 7])


def test_fastbook_numbers_on_the_real_data():
    """fastbook ch. 4 reports 3s 0.9168, 7s 0.9854 (mean 0.9511) for the L1 mean-digit baseline."""
    x, y = helpers.load_mnist("sample", "train")
    xv, yv = helpers.load_mnist("sample", "valid")
    means = mean_digits(x, y, classes=[3, 7])
    preds, _ = nearest_mean(xv, means, "l1", classes=[3, 7])
    acc = per_class_accuracy(preds, yv)["accuracy"]
    assert acc.loc[3] == 0.9168 and acc.loc[7] == 0.9854
    assert round((acc.loc[3] + acc.loc[7]) / 2, 4) == 0.9511
