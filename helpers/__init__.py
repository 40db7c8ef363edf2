"""What the MNIST notebooks share, grouped by the notebook that teaches or first uses it.

Every notebook starts with `device = helpers.setup()` and gets its data with
`helpers.get_mnist` (fastai-style PNG folders) or `helpers.load_mnist` (tensors).

>>> import helpers
>>> x, y = helpers.load_mnist("sample", "valid")
>>> x.shape, y.unique().tolist()
(torch.Size([2038, 28, 28]), [3, 7])
"""

import importlib.util as _util

_missing = [name for name in ("torch", "numpy", "pandas", "matplotlib") if _util.find_spec(name) is None]
if _missing:
    import sys as _sys

    raise ModuleNotFoundError(
        f"helpers needs {', '.join(_missing)}, which this Python ({_sys.executable}) lacks. "
        "From the repository's root folder, run `make lab` (it sets up .venv and starts JupyterLab with it), "
        "or install the course's packages into this Python: "
        f"`{_sys.executable} -m pip install -r requirements.txt`.")

# every notebook
from helpers.runtime import setup
from helpers.data import get_mnist, load_mnist
from helpers._course.results import record_results
from helpers.exercises import check

# 01 pixels
from helpers.pixels import class_counts, pixel_heatmap

# 02 pixel similarity
from helpers.similarity import per_class_accuracy
from helpers.mistakes import show_most_wrong
from helpers.digit_widget import digit_explorer

# 03 SGD from scratch (04 ten digits reuses BasicDataLoader and fit)
from helpers.training import BasicDataLoader, draw_sgd_loop, fit, plot_history
from helpers.lr_widget import lr_explorer

# 05 MLP
from helpers.draw_widget import draw_digit

# 06 resnet18
from helpers.resnet import first_images, fit_seconds

# 07 fast training
from helpers import speed  # helpers.speed.race, .our_recipe, .Stopwatch, ...: the pieces notebook 07 builds up

# 08 summary
from helpers._course.results import load_results
from helpers.summary import plot_error_vs_time, step_costs, summary_table

__all__ = [
    "setup", "get_mnist", "load_mnist", "record_results", "check",
    "pixel_heatmap", "class_counts",
    "per_class_accuracy", "show_most_wrong", "digit_explorer",
    "BasicDataLoader", "fit", "plot_history", "draw_sgd_loop", "lr_explorer",
    "draw_digit",
    "first_images", "fit_seconds",
    "speed",
    "load_results", "summary_table", "plot_error_vs_time", "step_costs",
]
