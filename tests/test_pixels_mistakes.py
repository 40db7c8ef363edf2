"""helpers.pixels (notebook 01: heatmaps, class counts) and helpers.mistakes (02 and 05: the most-wrong grid)."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
import torch
from PIL import Image

from helpers.mistakes import most_wrong, show_most_wrong
from helpers.pixels import class_counts, pixel_heatmap


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _img() -> torch.Tensor:
    return (torch.arange(28 * 28).reshape(28, 28) % 256).to(torch.uint8)


def test_heatmap_holds_the_pixels_with_real_coordinates():
    img = _img()
    df = pixel_heatmap(img, crop=(slice(4, 10), slice(5, 12))).data
    assert df.shape == (6, 7)
    assert list(df.index) == list(range(4, 10)) and list(df.columns) == list(range(5, 12))
    assert df.loc[6, 8] == img[6, 8].item()


def test_heatmap_accepts_ranges_numpy_and_pil():
    arr = _img().numpy()
    by_range = pixel_heatmap(arr, crop=(range(4, 10), range(5, 12))).data
    by_pil = pixel_heatmap(Image.fromarray(arr), crop=(slice(4, 10), slice(5, 12))).data
    assert by_range.equals(by_pil)


def test_heatmap_html_is_the_same_on_every_call_and_unique_per_crop():
    img = _img()
    html = pixel_heatmap(img, crop=(slice(0, 3), slice(0, 3))).to_html()
    assert "background-color" in html and "font-size: 6pt" in html
    assert html == pixel_heatmap(img, crop=(slice(0, 3), slice(0, 3))).to_html()
    other = pixel_heatmap(img, crop=(slice(0, 4), slice(0, 3))).to_html()
    assert other.split("<table id=")[1][:20] != html.split("<table id=")[1][:20]


def test_heatmap_shades_against_the_full_range():
    img = torch.zeros(28, 28, dtype=torch.uint8)
    img[0, 0] = 10                       # a crop of small values must not turn black
    html = pixel_heatmap(img, crop=(slice(0, 2), slice(0, 2))).to_html()
    assert "background-color: #000000" not in html and "background-color: #ffffff" in html


@pytest.mark.parametrize("img, words", [(torch.zeros(3, 28, 28), r"img\[0\]"), (torch.zeros(1, 28, 28), "squeeze"),
                                        (torch.zeros(28, 28, dtype=torch.bool), "dtype")])
def test_heatmap_bad_images_say_what_to_do(img, words):
    with pytest.raises(ValueError, match=words):
        pixel_heatmap(img)


@pytest.mark.parametrize("crop", [(slice(4, 10),), (slice(0, 10, 2), slice(0, 4)), ("4:10", slice(0, 4)),
                                  (slice(20, 10), slice(0, 4))])
def test_heatmap_bad_crop(crop):
    with pytest.raises(ValueError, match="crop"):
        pixel_heatmap(_img(), crop=crop)


def test_class_counts_table():
    df = class_counts(train=torch.tensor([0, 1, 1, 2]), test=np.array([2, 2]))
    assert list(df.columns) == ["train", "test"]
    assert df.loc[1, "train"] == 2 and df.loc[1, "test"] == 0 and df.loc[2, "test"] == 2


def test_class_counts_bad_input():
    with pytest.raises(ValueError, match="at least one split"):
        class_counts()
    with pytest.raises(ValueError, match="class labels"):
        class_counts(train=torch.rand(3))


def test_most_wrong_orders_mistakes_by_loss():
    preds, targets = torch.tensor([1, 0, 1, 1, 2]), torch.tensor([0, 0, 0, 1, 0])
    losses = torch.tensor([0.5, 9.0, 2.0, 9.0, 1.0])
    assert most_wrong(preds, targets, losses, k=10).tolist() == [2, 4, 0]
    assert most_wrong(preds, targets, losses, k=1).tolist() == [2]


def test_show_most_wrong_titles_do_not_overlap_the_figure_title():
    fig = show_most_wrong(torch.rand(20, 28, 28), torch.randint(0, 10, (20,)), torch.randint(0, 10, (20,)),
                          torch.rand(20), k=10)
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()
    top = fig._suptitle.get_window_extent(renderer)
    assert all(ax.title.get_window_extent(renderer).y1 <= top.y0 for ax in fig.axes)


def test_show_most_wrong_flat_rows_and_bad_input():
    fig = show_most_wrong(torch.rand(3, 784), torch.tensor([1, 0, 0]), torch.tensor([0, 0, 0]), torch.ones(3))
    assert [ax.get_title() for ax in fig.axes] == ["1/0\nloss 1.00"]
    with pytest.raises(ValueError, match="same N"):
        most_wrong(torch.tensor([1, 0]), torch.tensor([0, 0]), torch.tensor([1.0, 2.0, 3.0]))
    with pytest.raises(ValueError, match="every prediction is right"):
        show_most_wrong(torch.rand(2, 28, 28), torch.tensor([0, 1]), torch.tensor([0, 1]), torch.tensor([1.0, 1.0]))
