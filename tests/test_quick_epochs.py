"""Quick mode's shorter epochs (helpers/_course/quick_epochs.py): only image-folder DataLoaders (fastai's TfmdDL),
only in quick mode, never lr_find."""

from __future__ import annotations

import torch
import torch.nn.functional as F
import fastai.callback.all  # noqa: F401  (no_bar, no_logging, lr_find)
from fastai.callback.core import Callback
from fastai.data.core import DataLoaders, Datasets
from fastai.data.load import DataLoader
from fastai.learner import Learner
from torch import nn

from helpers._course.quick_epochs import MAX_BATCHES, QuickEpochs

N_TRAIN, BS = 640, 4  # 160 training batches an epoch, more than MAX_BATCHES


class CountBatches(Callback):
    def before_fit(self):
        self.trained = 0

    def after_batch(self):
        self.trained += int(self.training)


def _tfmd_dls():
    x = torch.randn(800, 2)
    dsets = Datasets(list(range(800)), tfms=[[lambda i: x[i]], [lambda i: i % 2]],
                     splits=[list(range(N_TRAIN)), list(range(N_TRAIN, 800))])
    return dsets.dataloaders(bs=BS)


def _trained_batches(dls) -> int:
    counter = CountBatches()
    learn = Learner(dls, nn.Linear(2, 2), loss_func=F.cross_entropy, cbs=[QuickEpochs(), counter])
    with learn.no_bar(), learn.no_logging():
        learn.fit(1, 1e-3)
    assert [len(row) for row in learn.recorder.values] == [2]  # one epoch, with its training and validation loss
    return counter.trained


def test_quick_mode_stops_an_image_folder_epoch_after_max_batches(monkeypatch):
    monkeypatch.setenv("MNIST_QUICK", "1")
    assert _trained_batches(_tfmd_dls()) == MAX_BATCHES < N_TRAIN // BS


def test_full_mode_and_dataloaders_of_tensors_train_whole_epochs(monkeypatch):
    monkeypatch.setenv("MNIST_QUICK", "0")
    assert _trained_batches(_tfmd_dls()) == N_TRAIN // BS
    monkeypatch.setenv("MNIST_QUICK", "1")
    rows = [(torch.randn(2), i % 2) for i in range(800)]
    plain = DataLoaders(DataLoader(rows[:N_TRAIN], bs=BS, shuffle=True), DataLoader(rows[N_TRAIN:], bs=BS))
    assert _trained_batches(plain) == N_TRAIN // BS      # notebooks 03 and 05: unchanged in quick mode


def test_lr_find_runs_all_its_batches_in_quick_mode(monkeypatch):
    monkeypatch.setenv("MNIST_QUICK", "1")
    learn = Learner(_tfmd_dls(), nn.Linear(2, 2), loss_func=F.cross_entropy, cbs=[QuickEpochs()])
    with learn.no_bar(), learn.no_logging():
        learn.lr_find(num_it=130, stop_div=False, show_plot=False)
    assert len(learn.recorder.lrs) == 130 > MAX_BATCHES


def test_setup_adds_quick_epochs_to_every_learner_in_quick_mode_only(monkeypatch):
    from fastai.learner import defaults

    from helpers import runtime
    from helpers._course.fit_timer import FitTimer

    monkeypatch.setattr(defaults, "callbacks", [c for c in defaults.callbacks if c is not QuickEpochs])
    monkeypatch.setenv("MNIST_QUICK", "0")
    runtime.import_fastai_quietly()
    assert FitTimer in defaults.callbacks and QuickEpochs not in defaults.callbacks
    monkeypatch.setenv("MNIST_QUICK", "1")
    runtime.import_fastai_quietly()
    assert defaults.callbacks.count(QuickEpochs) == 1
    runtime.import_fastai_quietly()                      # a second setup() adds it no second time
    assert defaults.callbacks.count(QuickEpochs) == 1
