"""Unit tests for helpers.training: the fit loop (and the device it trains on), the plots."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import pytest
import torch
import torch.nn.functional as F
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from helpers import training
from helpers.exercises import EXERCISES
from helpers.training import BasicDataLoader, accuracy, draw_sgd_loop, fit, plot_history

cross_entropy = F.cross_entropy


# ------------------------------------------------------------------ accuracy


def test_accuracy_argmax_and_sigmoid():
    assert accuracy(torch.tensor([[0.1, 0.9], [0.8, 0.2], [0.0, 1.0]]), torch.tensor([1, 0, 0])).item() == pytest.approx(2 / 3)
    assert accuracy(torch.tensor([[2.0], [-1.0], [0.5]]), torch.tensor([[1], [0], [0]])).item() == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="squeeze"):
        accuracy(torch.randn(3, 4), torch.tensor([[0], [1], [2]]))


# ------------------------------------------------------------------ fit


def _blobs(n: int = 300, seed: int = 0):
    """Three well-separated clusters in 2-d: a linear model can learn them quickly."""
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 3, (n,), generator=g)
    centers = torch.tensor([[3.0, 0.0], [-3.0, 3.0], [0.0, -3.0]])
    x = centers[y] + torch.randn(n, 2, generator=g) * 0.5
    return x, y


def test_fit_records_history_and_reduces_loss():
    torch.manual_seed(0)
    x, y = _blobs()
    train_dl = DataLoader(TensorDataset(x[:200], y[:200]), batch_size=32, shuffle=True)
    valid_dl = DataLoader(TensorDataset(x[200:], y[200:]), batch_size=50)
    model = nn.Linear(2, 3)
    before, _ = training.validate_epoch(model, valid_dl, cross_entropy)
    hist = fit(model, train_dl, valid_dl, cross_entropy, torch.optim.SGD(model.parameters(), lr=0.1), epochs=5)
    assert set(hist) == {"epoch", "train_loss", "valid_loss", "valid_acc", "seconds"}
    assert hist["epoch"] == [1, 2, 3, 4, 5]
    assert all(len(v) == 5 for v in hist.values())
    assert all(s >= 0 for s in hist["seconds"])
    assert hist["valid_loss"][-1] < before / 2
    assert hist["train_loss"][-1] < hist["train_loss"][0]
    assert hist["valid_acc"][-1] > 0.95


def test_fit_works_with_a_hand_written_optimizer_and_plain_function():
    """fit() needs only step()/zero_grad(), and a model can be a plain function of tensors."""
    torch.manual_seed(0)
    x, y = _blobs()
    w = (torch.randn(2, 3) * 0.01).requires_grad_()
    b = torch.zeros(3).requires_grad_()
    BasicOptim = EXERCISES["BasicOptim"].solution  # notebook 03's, as the notebook falls back on it
    dl = DataLoader(TensorDataset(x, y), batch_size=30)
    hist = fit(lambda xb: xb @ w + b, dl, dl, cross_entropy, BasicOptim([w, b], lr=0.1), epochs=3)
    assert hist["valid_acc"][-1] > 0.95


def test_fit_says_what_a_learner_got_wrong():
    x, y = _blobs(20)
    dl = DataLoader(TensorDataset(x, y), batch_size=10)
    model = nn.Linear(2, 3)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    with pytest.raises(ValueError, match="step\\(\\) and zero_grad\\(\\)"):   # the parameters instead of an optimiser
        fit(model, dl, dl, cross_entropy, list(model.parameters()), epochs=1)
    with pytest.raises(ValueError, match="scalar"):
        fit(model, dl, dl, lambda p, t: F.cross_entropy(p, t, reduction="none"), opt, epochs=1)
    with pytest.raises(ValueError, match="empty"):
        fit(model, dl, [], cross_entropy, opt, epochs=1)


# ------------------------------------------------------------------ plots


def test_plot_history_overlays_several_runs():
    h1 = {"epoch": [1, 2, 3], "valid_acc": [0.5, 0.7, 0.8]}
    h2 = {"epoch": [1, 2, 3], "valid_acc": [0.8, 0.9, 0.92]}
    ax = plot_history({"randn init": h1, "nn.Linear init": h2})
    assert [line.get_label() for line in ax.get_lines()] == ["randn init", "nn.Linear init"]
    assert list(ax.get_lines()[1].get_ydata()) == [0.8, 0.9, 0.92]
    plt.close("all")


def test_plot_history_single_and_bad_key():
    ax = plot_history({"epoch": [1, 2], "valid_acc": [0.1, 0.2], "train_loss": [1.0, 0.5]}, key="train_loss")
    assert list(ax.get_lines()[0].get_ydata()) == [1.0, 0.5]
    with pytest.raises(ValueError, match="no 'valid_loss'"):
        plot_history({"epoch": [1], "valid_acc": [0.1]}, key="valid_loss")
    plt.close("all")


def test_draw_sgd_loop_draws_every_step():
    ax = draw_sgd_loop()
    texts = {t.get_text() for t in ax.texts}
    assert {"init", "predict", "loss", "gradient", "step", "stop?", "repeat"} <= texts
    plt.close("all")


def test_fit_trains_on_the_device_of_the_models_parameters():
    """With no `device`, fit uses the device the parameters sit on ('meta' here, any non-CPU device)."""
    assert training._check_device(nn.Linear(4, 3, device="meta"), None) == torch.device("meta")
    assert training._check_device(nn.Linear(4, 3), None) == torch.device("cpu")


def test_fit_moves_every_batch_to_that_device(monkeypatch):
    """Batches go to the device fit chose. The model stays on the CPU here, so `.to` is recorded and the
    batch kept where it is; without the move, `seen` would stay empty."""
    seen = []
    monkeypatch.setattr(training, "_check_device", lambda model, device: torch.device("meta"))
    monkeypatch.setattr(torch.Tensor, "to", lambda self, *args, **kwargs: seen.append(args[0]) or self)
    model = nn.Linear(4, 3)
    dl = DataLoader(TensorDataset(torch.randn(8, 4), torch.randint(0, 3, (8,))), batch_size=4)
    fit(model, dl, dl, cross_entropy, torch.optim.SGD(model.parameters(), lr=0.1), epochs=1)
    assert len(seen) == 8 and all(torch.device(d) == torch.device("meta") for d in seen)  # 2+2 batches, x and y


def test_fit_refuses_a_model_on_another_device_than_asked():
    model = nn.Linear(4, 3)
    dl = DataLoader(TensorDataset(torch.randn(8, 4), torch.randint(0, 3, (8,))), batch_size=4)
    with pytest.raises(ValueError, match=r"on cpu but device is meta: move the model first, model.to\(device\)"):
        fit(model, dl, dl, cross_entropy, torch.optim.SGD(model.parameters(), lr=0.1), epochs=1, device="meta")


# ------------------------------------------------------------------ BasicDataLoader (notebook 03's, used by 04)


def test_basic_data_loader_hands_out_every_item_once_per_epoch_in_batches():
    x, y = torch.arange(10), torch.arange(10) * 10
    dl = BasicDataLoader(x, y, bs=4, shuffle=True)
    assert len(dl) == 3
    for _ in range(2):  # two epochs: each a new order, each item exactly once, x and y still paired
        batches = list(dl)
        assert [len(xb) for xb, _ in batches] == [4, 4, 2]
        seen = torch.cat([xb for xb, _ in batches])
        assert sorted(seen.tolist()) == list(range(10))
        assert all(torch.equal(yb, xb * 10) for xb, yb in batches)
    torch.manual_seed(0)
    first = torch.cat([xb for xb, _ in dl])
    second = torch.cat([xb for xb, _ in dl])
    assert not torch.equal(first, second)  # shuffled anew each epoch
    assert torch.equal(torch.cat([xb for xb, _ in BasicDataLoader(x, y, bs=4)]), x)  # in order without shuffle


def test_basic_data_loader_refuses_x_and_y_of_different_lengths():
    with pytest.raises(ValueError, match="same number of items, got 10 and 9"):
        BasicDataLoader(torch.arange(10), torch.arange(9))
