"""Shared helpers for the MNIST notebooks: data, device and seed, results, plots.

>>> import helpers
>>> path = helpers.get_mnist("sample")        # doctest: +SKIP
>>> x, y = helpers.load_mnist("full", "test")  # doctest: +SKIP
"""

import warnings

# fastai (2.8) calls torch.jit.script on import, which torch 2.14 flags as deprecated;
# the warning says nothing a learner can act on, so notebooks need not show it.
warnings.filterwarnings("ignore", message=".*torch.jit.script.* is deprecated", category=FutureWarning)

from helpers.data import MNISTUnavailableError, cache_dir, ensure_idx, get_mnist, load_mnist
from helpers.exercises import check
from helpers.digit_widget import digit_explorer
from helpers.draw_widget import draw_digit
from helpers.lr_widget import lr_explorer
from helpers.plots import (class_counts, confusion_matrix, most_wrong, pixel_heatmap, plot_class_counts,
                           plot_confusion_matrix, show_images, show_most_wrong)
from helpers.results import BelowFloorError, load_results, record_result
from helpers.runtime import get_device, pick, quick_mode, seed_everything, setup
from helpers.similarity import (distances_to_means, l1_distance, mean_digits, nearest_mean, per_class_accuracy,
                                rmse_distance)
from helpers.summary import (count_params, fastai_history, missing_notebooks, plot_accuracy_vs_time, pretrained_available,
                             step_costs, subset_folder, summary_table)
from helpers.training import accuracy, cross_entropy, draw_sgd_loop, evaluate, fit, log_softmax, plot_history

__all__ = [
    "MNISTUnavailableError", "cache_dir", "ensure_idx", "get_mnist", "load_mnist",
    "BelowFloorError", "load_results", "record_result",
    "get_device", "pick", "quick_mode", "seed_everything", "setup",
    "count_params", "fastai_history", "missing_notebooks", "plot_accuracy_vs_time", "pretrained_available",
    "step_costs", "subset_folder", "summary_table",
    "check", "digit_explorer", "draw_digit", "lr_explorer",
    "class_counts", "confusion_matrix", "most_wrong", "pixel_heatmap", "plot_class_counts",
    "plot_confusion_matrix", "show_images", "show_most_wrong",
    "distances_to_means", "l1_distance", "mean_digits", "nearest_mean", "per_class_accuracy", "rmse_distance",
    "accuracy", "cross_entropy", "draw_sgd_loop", "evaluate", "fit", "log_softmax", "plot_history",
]
