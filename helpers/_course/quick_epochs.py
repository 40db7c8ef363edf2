"""Quick mode's shorter epochs for notebook 06: fastai's image-folder DataLoaders keep all 12,396 3s and 7s in
quick mode (notebooks 01 to 05 count them), so one epoch of resnet18 on them would take as long as in full mode.
In quick mode (`MNIST_QUICK=1`, what the tests run) `helpers.setup()` adds `QuickEpochs` to every Learner: an
epoch on such a DataLoader stops training after `MAX_BATCHES` batches, then validates as usual. Nothing changes
in full mode, for DataLoaders of tensors (notebooks 03 and 05), or for `lr_find`.

>>> MAX_BATCHES
50
"""

from __future__ import annotations

from fastai.callback.core import Callback, CancelTrainException
from fastai.data.core import TfmdDL

from helpers.runtime import quick_mode

MAX_BATCHES = 50  # a quarter of a 3 vs 7 epoch (193 batches of 64); quick mode's ten digits have fewer


class QuickEpochs(Callback):
    """Stops a training epoch on an image-folder DataLoader (`TfmdDL`) after `MAX_BATCHES` batches."""

    order = -90  # early: nothing else runs for a batch that is not trained

    def before_batch(self) -> None:
        if self.training and self.iter >= MAX_BATCHES and isinstance(self.dl, TfmdDL) and quick_mode() \
                and not hasattr(self.learn, "lr_finder"):  # lr_find runs its own number of batches
            raise CancelTrainException


def add_to_every_learner() -> None:
    """Put QuickEpochs in fastai's default callbacks (once), so every Learner made from now on has it."""
    from fastai.learner import defaults

    if QuickEpochs not in defaults.callbacks:
        defaults.callbacks.append(QuickEpochs)
