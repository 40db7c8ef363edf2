"""tests/browser holds the real-browser test, which the plain `pytest` run leaves out.

* `browser_interactive.py` is not named test_*.py, so it is collected only when named
  on the command line (`make browser-test` does that);
* the demo notebook it opens is not run by nbval either (collect_ignore below): its
  widgets are tested headless in tests/test_interactive.py and in a browser here.
"""

import sys
from pathlib import Path

collect_ignore = ["interactive_demo.ipynb"]

sys.path.insert(0, str(Path(__file__).resolve().parent))  # so the test can `import labdriver`
