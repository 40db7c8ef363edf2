"""Quick mode's shorter epochs for notebook 06: fastai's image-folder DataLoaders keep all 12,396 3s and 7s in
quick mode (notebooks 01 to 05 count them), so one epoch of resnet18 on them would take as long as in full mode.
In quick mode (`MNIST_QUICK=1`, what the tests run) `helpers.setup()` adds `QuickEpochs` to every Learner: an
epoch on such a DataLoader trains on `MAX_BATCHES` batches, then validates as usual. Nothing changes
in full mode, for DataLoaders of tensors (notebooks 03 and 05), or for `lr_find`.

>>> MAX_BATCHES
100
"""

from __future__ import annotations

from fastai.callback.core import Callback
from fastai.data.core import TfmdDL

from helpers.runtime import quick_mode

MAX_BATCHES = 100  # about half a 3 vs 7 epoch (193 batches of 64); quick mode's ten digits have fewer


class QuickEpochs(Callback):
    """Trains each epoch on an image-folder DataLoader (`TfmdDL`) on its first `MAX_BATCHES` batches' worth of
    images: a shorter DataLoader, not a cancelled epoch, so the schedule runs its whole course and fastai's
    table keeps its training loss."""

    order = -90  # before the schedulers read the epoch's length

    def before_train(self) -> None:
        dl = self.learn.dl
        if quick_mode() and isinstance(dl, TfmdDL) and len(dl) > MAX_BATCHES \
                and not hasattr(self.learn, "lr_finder"):  # lr_find runs its own number of batches
            self.learn.dl = dl.new(n=MAX_BATCHES * dl.bs)

