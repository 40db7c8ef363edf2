"""pytest runs in quick mode unless told otherwise (MNIST_QUICK=0 pytest ... for full).

The variable is set before nbval starts any kernel, so the notebooks see it too."""

import os

os.environ.setdefault("MNIST_QUICK", "1")
