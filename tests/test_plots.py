"""Unit tests for helpers.plots: heatmaps, image grids, class counts, confusion matrices."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
import torch
from PIL import Image

from helpers.plots import (
    class_counts,
    confusion_matrix,
    most_wrong,
    pixel_heatmap,
    plot_class_counts,
    plot_confusion_matrix,
    show_images,
    show_most_wrong,
)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _img() -> torch.Tensor:
    return torch.arange(28 * 28, dtype=torch.int64).reshape(28, 28) % 256


# ------------------------------------------------------------------ pixel_heatmap


def test_heatmap_holds_the_pixels_with_real_coordinates():
    img = _img().to(torch.uint8)
    df = pixel_heatmap(img, crop=(slice(4, 10), slice(5, 12))).data
    assert df.shape == (6, 7)
    assert list(df.index) == list(range(4, 10)) and list(df.columns) == list(range(5, 12))
    assert df.loc[6, 8] == img[6, 8].item()
    assert np.array_equal(df.values, img[4:10, 5:12].numpy())


def test_heatmap_accepts_ranges_numpy_and_pil():
    arr = _img().numpy().astype(np.uint8)
    by_range = pixel_heatmap(arr, crop=(range(4, 10), range(5, 12))).data
    by_pil = pixel_heatmap(Image.fromarray(arr), crop=(slice(4, 10), slice(5, 12))).data
    assert by_range.equals(by_pil)
    assert pixel_heatmap(arr).data.shape == (28, 28)


def test_heatmap_html_is_shaded_and_the_same_on_every_call():
    img = _img().to(torch.uint8)
    html = pixel_heatmap(img, crop=(slice(0, 3), slice(0, 3))).to_html()
    assert "background-color" in html and "font-size: 6pt" in html
    assert html == pixel_heatmap(img, crop=(slice(0, 3), slice(0, 3))).to_html()
    # a different crop or image gets a different table id (no CSS clashes in one notebook)
    other = pixel_heatmap(img, crop=(slice(0, 4), slice(0, 3))).to_html()
    assert other.split("<table id=")[1][:20] != html.split("<table id=")[1][:20]


def test_heatmap_shades_against_the_full_range():
    # a crop holding only small values must not be shaded black
    img = torch.zeros(28, 28, dtype=torch.uint8)
    img[0, 0] = 10
    html = pixel_heatmap(img, crop=(slice(0, 2), slice(0, 2))).to_html()
    assert "background-color: #000000" not in html
    assert "background-color: #ffffff" in html  # the zeros are white


def test_heatmap_floats_show_two_decimals():
    img = torch.full((4, 4), 1 / 3)
    html = pixel_heatmap(img).to_html()
    assert "0.33" in html and "0.333" not in html


def test_heatmap_of_a_stack_of_images_says_pick_one():
    with pytest.raises(ValueError, match=r"one image of shape \[H, W\], got shape \[3, 28, 28\].*img\[0\]"):
        pixel_heatmap(torch.zeros(3, 28, 28))


def test_heatmap_of_a_channel_image_says_squeeze():
    with pytest.raises(ValueError, match="squeeze"):
        pixel_heatmap(torch.zeros(1, 28, 28))


@pytest.mark.parametrize("crop", [(slice(4, 10),), (slice(0, 10, 2), slice(0, 4)), ("4:10", slice(0, 4)),
                                  (slice(20, 10), slice(0, 4))])
def test_heatmap_bad_crop(crop):
    with pytest.raises(ValueError, match="crop"):
        pixel_heatmap(_img(), crop=crop)


# ------------------------------------------------------------------ show_images


def test_show_images_grid_and_titles():
    fig = show_images(torch.rand(10, 28, 28), titles=range(10), ncols=4)
    assert len(fig.axes) == 10  # 3 rows of 4, the two unused axes removed
    assert [ax.get_title() for ax in fig.axes] == [str(i) for i in range(10)]


def test_show_images_takes_channels_and_lists():
    assert len(show_images(torch.rand(3, 1, 28, 28)).axes) == 3
    assert len(show_images([np.zeros((28, 28)), torch.ones(28, 28)]).axes) == 2


def test_show_images_bad_input():
    with pytest.raises(ValueError, match="one image"):
        show_images(torch.rand(28, 28))
    with pytest.raises(ValueError, match="2 titles for 3 images"):
        show_images(torch.rand(3, 28, 28), titles=["a", "b"])
    with pytest.raises(ValueError, match="ncols"):
        show_images(torch.rand(3, 28, 28), ncols=0)
    with pytest.raises(ValueError, match="no images"):
        show_images([])


# ------------------------------------------------------------------ class counts


def test_class_counts_table_and_chart():
    df = class_counts(train=torch.tensor([0, 1, 1, 2]), test=np.array([2, 2]))
    assert list(df.columns) == ["train", "test"]
    assert df.loc[1, "train"] == 2 and df.loc[1, "test"] == 0 and df.loc[2, "test"] == 2
    ax = plot_class_counts(df)
    assert sorted(round(p.get_height()) for p in ax.patches) == [0, 0, 1, 1, 2, 2]


def test_class_counts_needs_a_split():
    with pytest.raises(ValueError, match="at least one split"):
        class_counts()
    with pytest.raises(ValueError, match="class_counts"):
        plot_class_counts(pd.DataFrame())


# ------------------------------------------------------------------ confusion matrix


def test_confusion_matrix_counts_rows_true_columns_predicted():
    preds = torch.tensor([0, 2, 2, 1, 0])
    targets = torch.tensor([0, 2, 1, 1, 2])
    cm = confusion_matrix(preds, targets)
    assert cm.tolist() == [[1, 0, 0], [0, 1, 1], [1, 0, 1]]
    assert cm.sum().item() == 5 and cm.trace().item() == 3


def test_confusion_matrix_from_scores():
    scores = torch.tensor([[0.9, 0.1], [0.2, 0.8]])
    assert confusion_matrix(scores, torch.tensor([1, 1])).tolist() == [[0, 0], [1, 1]]


def test_plot_confusion_matrix_writes_counts():
    ax = plot_confusion_matrix(torch.tensor([3, 7, 7, 3]), torch.tensor([3, 7, 3, 3]))
    texts = [t.get_text() for t in ax.texts]
    assert texts == ["2", "1", "0", "1"]  # only the classes present (3 and 7)
    assert [t.get_text() for t in ax.get_xticklabels()] == ["3", "7"]


def test_plot_confusion_matrix_labels_and_normalize():
    ax = plot_confusion_matrix(torch.tensor([0, 1, 1]), torch.tensor([0, 1, 0]), labels=["zero", "one"],
                               normalize=True)
    assert [t.get_text() for t in ax.texts] == ["0.50", "0.50", "0.00", "1.00"]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["zero", "one"]


def test_confusion_matrix_bad_input():
    with pytest.raises(ValueError, match="same number of items, got 3 and 2"):
        confusion_matrix(torch.tensor([0, 1, 1]), torch.tensor([0, 1]))
    with pytest.raises(ValueError, match="probabilities"):
        confusion_matrix(torch.tensor([0.2, 0.9]), torch.tensor([0, 1]))
    with pytest.raises(ValueError, match="one name per class"):
        plot_confusion_matrix(torch.tensor([0, 2]), torch.tensor([0, 1]), labels=["a", "b"])


# ------------------------------------------------------------------ most wrong


def test_most_wrong_orders_mistakes_by_loss():
    preds = torch.tensor([1, 0, 1, 1, 2])
    targets = torch.tensor([0, 0, 0, 1, 0])
    losses = torch.tensor([0.5, 9.0, 2.0, 9.0, 1.0])
    assert most_wrong(preds, targets, losses, k=10).tolist() == [2, 4, 0]
    assert most_wrong(preds, targets, losses, k=1).tolist() == [2]


def test_show_most_wrong_titles():
    images = torch.rand(5, 28, 28)
    fig = show_most_wrong(images, torch.tensor([1, 0, 1, 1, 2]), torch.tensor([0, 0, 0, 1, 0]),
                          torch.tensor([0.5, 9.0, 2.0, 9.0, 1.0]), k=2)
    assert [ax.get_title() for ax in fig.axes] == ["1/0\nloss 2.00", "2/0\nloss 1.00"]


def test_most_wrong_bad_input():
    with pytest.raises(ValueError, match="same length"):
        most_wrong(torch.tensor([1, 0]), torch.tensor([0, 0]), torch.tensor([1.0, 2.0, 3.0]))
    with pytest.raises(ValueError, match="k must be"):
        most_wrong(torch.tensor([1]), torch.tensor([0]), torch.tensor([1.0]), k=0)
    with pytest.raises(ValueError, match="every prediction is right"):
        show_most_wrong(torch.rand(2, 28, 28), torch.tensor([0, 1]), torch.tensor([0, 1]), torch.tensor([1.0, 1.0]))
