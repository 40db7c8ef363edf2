"""pytest runs in quick mode unless told otherwise (MNIST_QUICK=0 pytest ... for full).

The variable is set before nbval starts any kernel, so the notebooks see it too.

Tests marked `after_notebooks` (tests/test_recorded_results.py) check what the notebooks
recorded, so they run in a second pytest call, after the notebooks ran: `make test` does both
(see the Makefile), and a plain `pytest` leaves them out (pyproject.toml's `-m`).
"""

import os

os.environ.setdefault("MNIST_QUICK", "1")
collect_ignore = ["notebooks/helpers"]  # the link that lets notebooks/ import the package
