"""Google Colab, simulated: a notebook opened alone runs its own install cell, then runs top to bottom.

What a Colab learner has: one notebook in an empty folder, a Python with torch and fastai
preinstalled, `google.colab` imported, internet. What we build here, in a temporary folder:

* a separate virtual environment (the project's .venv is never touched) that sees the
  project venv's packages as Colab's preinstalled ones, minus this project's own package;
* a stand-in `google.colab` module, imported at kernel start as on Colab;
* a git clone of the repository (its committed code, as Colab would get it);
* the notebook copied alone into an empty folder, its install cell unchanged except for the
  address: `git+file://localhost/<clone>` instead of the GitHub address (same pip code path).

Then nbval runs the notebook in quick mode in that environment. 02 (data, checkers, widget)
and 08 (reads other notebooks' results, which don't exist in a fresh runtime) are the two
that exercise the most. Differences from the real Colab: Python 3.11 here (Colab: 3.12),
fastbook counts as preinstalled, and the data comes from the local cache (no internet here).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

from helpers._course.cache import cache_dir
from helpers._course.repo import INSTALL, repo_url

ROOT = Path(__file__).resolve().parent.parent
NOT_PREINSTALLED = ("mnist_helpers", "__editable__", "helpers")


def _run(cmd: list, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kwargs)
    assert done.returncode == 0, f"{' '.join(map(str, cmd))} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="module")
def colab(tmp_path_factory: pytest.TempPathFactory) -> dict:
    base = tmp_path_factory.mktemp("colab")
    clone = base / "repo"
    _run(["git", "clone", "--quiet", ROOT, clone])
    # Colab's preinstalled packages: the project venv's, seen through links, without this project's package.
    view = base / "preinstalled"
    view.mkdir()
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        if not entry.name.startswith(NOT_PREINSTALLED):
            (view / entry.name).symlink_to(entry)
    stub = base / "stub" / "google" / "colab"   # `google` stays a namespace package (protobuf lives there too)
    stub.mkdir(parents=True)
    (stub / "__init__.py").write_text('"""Stand-in for Colab\'s google.colab module (tests/test_colab.py)."""\n')
    env = base / "env"
    _run([sys.executable, "-m", "venv", env])
    python = env / "bin" / "python"
    site = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    (site / "colab_preinstalled.pth").write_text(f"{view}\n{base / 'stub'}\n")
    startup = base / "ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True)
    (startup / "00-colab.py").write_text("import google.colab  # as on Colab: the kernel has it loaded\n")
    environ = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV", "MNIST_RESULTS"}}
    environ.update(MNIST_QUICK="1", MNIST_CACHE=str(cache_dir()), IPYTHONDIR=str(base / "ipython"),
                   PIP_DISABLE_PIP_VERSION_CHECK="1")
    return {"base": base, "clone": clone, "python": python, "site": site, "env": environ}


@pytest.mark.parametrize("name", ["02_pixel_similarity", "08_summary"])
def test_notebook_alone_installs_itself_and_runs(colab: dict, name: str):
    folder = colab["base"] / f"content-{name}"           # Colab's empty /content
    folder.mkdir()
    nb = json.loads((ROOT / "notebooks" / f"{name}.ipynb").read_text())
    install = next(c for c in nb["cells"] if c["cell_type"] == "code")
    source = "".join(install["source"])
    assert INSTALL.findall(source) == [repo_url()], "the install cell must install from the project's address"
    install["source"] = source.replace(f"git+{repo_url()}", f"git+file://localhost{colab['clone']}")
    (folder / f"{name}.ipynb").write_text(json.dumps(nb))
    shutil.copy(ROOT / "tests" / "sanitize.cfg", folder)
    done = subprocess.run([colab["python"], "-m", "pytest", "-p", "no:cacheprovider", "--nbval-lax",
                           "--nbval-current-env", "--nbval-sanitize-with", "sanitize.cfg", f"{name}.ipynb"],
                          cwd=folder, env=colab["env"], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-8000:] + done.stderr[-2000:]
    # The package came from the clone, into the simulated Colab environment, with its data files.
    where = _run([colab["python"], "-c", "import helpers, sys; print(helpers.__file__); "
                  "print(sorted(set(helpers.load_results()['run'])))"], cwd=folder, env=colab["env"]).stdout
    assert where.startswith(str(colab["site"] / "helpers")), where
    if name == "08_summary":   # alone in its runtime: nothing of its own, the reference run instead
        assert "['reference run: " in where and "your run" not in where, where
