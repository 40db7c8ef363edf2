"""A fastai callback that times each `fit`, so the closing cells of notebooks 05 and 06 can record training times
without a timer in the lesson's cells. `helpers.setup()` adds it to every fastai Learner
(fastai's `defaults.callbacks`); `helpers.fit_seconds(learn)` reads it.

>>> FitTimer.order < 0
True
"""

from __future__ import annotations

import time

from fastai.callback.core import Callback


class FitTimer(Callback):
    """Sets `learn.fit_seconds`: the wall-clock seconds of the learner's last `fit` (or `fit_one_cycle`,
    `fine_tune`, `lr_find`), its validation included, as fastai's table times an epoch."""

    order = -100  # before every other callback, so their set-up is on the clock too

    def before_fit(self) -> None:  # fastai's get_preds and validate call it too, without training
        self._start, self._trained = time.perf_counter(), False

    def before_train(self) -> None:
        self._trained = True

    def after_fit(self) -> None:
        if self._trained:  # only a real training sets the time, not predictions made afterwards
            self.learn.fit_seconds = time.perf_counter() - self._start


def add_to_every_learner(callback: type[Callback] = FitTimer) -> None:
    """Put `callback` (FitTimer unless told otherwise) in fastai's default callbacks, once, so every Learner
    made from now on has it."""
    from fastai.learner import defaults

    if callback not in defaults.callbacks:
        defaults.callbacks.append(callback)
