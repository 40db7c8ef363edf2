"""A Jupyter started without the README's venv: `import helpers` from notebooks/ works, or says what to run.

`notebooks/helpers` links to the package, and a kernel's working folder is the notebook's,
so the import finds it without `pip install -e .`. A Python that lacks the course's
packages gets a message naming the command to run instead of a bare ModuleNotFoundError.
"""

from __future__ import annotations

import subprocess
import sys
import sysconfig
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"


def _python(code: str) -> subprocess.CompletedProcess:
    # -S: no site-packages processing, so neither the editable install of `helpers` nor PYTHONPATH tricks apply
    return subprocess.run([sys.executable, "-S", "-c", code], cwd=NOTEBOOKS, capture_output=True, text=True,
                          env={"PATH": "/usr/bin:/bin"})


def test_import_helpers_works_from_notebooks_without_installing_it():
    site = sysconfig.get_paths()["purelib"]  # the packages, but not the .pth that installs `helpers` editable
    done = _python(f"import sys; sys.path.append({site!r}); import helpers; print(helpers.__file__)")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(NOTEBOOKS / "helpers" / "__init__.py")


def test_a_python_without_the_courses_packages_is_told_what_to_run():
    done = _python("import helpers")
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("ModuleNotFoundError: helpers needs torch")
    assert "make lab" in last and "-m pip install -r requirements.txt" in last
