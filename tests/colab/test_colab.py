"""Google Colab, simulated: each notebook opened alone runs its own install cell, then runs top to bottom,
on Colab's own package set (`make test-colab`; `.ci/run` calls it, about 15 minutes).

What a Colab learner has: one notebook in an empty folder, Python 3.13 with Colab's preinstalled packages
(torch 2.11, fastai 2.8.8, fastdownload 0.0.7, IPython 7.34, ipywidgets 7.7.1, pandas 2.2.3, numpy 2.1.3...),
no fastbook, `google.colab` imported, an empty `~/.fastai`, internet. What we build here, in a temporary folder:

* a virtual environment of Python 3.13 (from pyenv, when the machine has it; otherwise this Python, and the
  report says so) with exactly the lines of tests/colab/colab-packages.txt (Colab's pip-freeze.txt, the
  packages this course uses), plus nbval to run the notebooks (Colab has no nbval);
* a stand-in `google.colab` module, imported at kernel start as on Colab;
* a git clone of the repository (its committed code and tags, as Colab would get them from GitHub);
* each notebook copied alone into an empty folder with its own empty fastai home, its install cell unchanged
  except for the address: `git+file://localhost/<clone>@<tag>` instead of `git+https://github.com/...@<tag>`
  (same pip code path, same release tag), so fastbook and this course's package are installed by the notebook
  itself, from PyPI and the clone. A checkout without the release's tag (a clone made without tags, or work
  before the next `python -m helpers release`) gets it on its HEAD, in the simulation's clone only; the report
  says which commit the tag named.

Then nbval runs the notebook in quick mode in that environment. Differences from the real Colab: torch is
PyPI's build of 2.11.0 (Colab's is the +cpu build from download.pytorch.org, which this machine can't reach),
and the MNIST files come from the local cache (no internet here), through the same `helpers.get_mnist`.
The Python version and each notebook's time go to artifacts/colab/report.md.
"""

from __future__ import annotations

import json
import os
import platform
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from helpers._course.cache import cache_dir
from helpers._course.repo import INSTALL, release_tag, repo_url

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = Path(__file__).with_name("colab-packages.txt")
NOTEBOOKS = sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))
REPORT = ROOT / "artifacts" / "colab" / "report.md"
COLAB_PYTHON = "3.13"


def _run(cmd: list, **kwargs) -> subprocess.CompletedProcess:
    done = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, **kwargs)
    assert done.returncode == 0, f"{' '.join(map(str, cmd))} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


def colab_python() -> tuple[str, str]:
    """Colab's Python (3.13) if this machine has it, else this one: (path, the words for the report).
    pyenv's own folders first: its `python3.13` shim fails unless 3.13 is selected."""
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    candidates = [str(p) for p in sorted(pyenv.glob(f"{COLAB_PYTHON}.*/bin/python{COLAB_PYTHON}"))]
    candidates += [found] if (found := shutil.which(f"python{COLAB_PYTHON}")) else []
    for candidate in candidates:
        version = subprocess.run([candidate, "-c", "import platform; print(platform.python_version())"],
                                 capture_output=True, text=True)
        if version.returncode == 0 and version.stdout.startswith(COLAB_PYTHON + "."):
            return candidate, f"Python {version.stdout.strip()} ({candidate}), as Colab's {COLAB_PYTHON}"
    return sys.executable, (f"Python {platform.python_version()} (no Python {COLAB_PYTHON} on this machine; "
                            f"Colab has {COLAB_PYTHON})")


def colab_lines() -> list[str]:
    """The requirement lines of the snapshot: `name==version`, comments dropped."""
    lines = [line.split("#")[0].strip() for line in PACKAGES.read_text().splitlines()]
    return [line for line in lines if line]


def test_the_snapshot_names_colabs_versions_of_the_packages_the_issue_lists():
    pins = dict(line.lower().replace("_", "-").split("==") for line in colab_lines())
    assert {k: pins[k] for k in ("torch", "fastai", "fastdownload", "ipython", "ipywidgets", "pandas", "numpy")} == {
        "torch": "2.11.0", "fastai": "2.8.8", "fastdownload": "0.0.7", "ipython": "7.34.0", "ipywidgets": "7.7.1",
        "pandas": "2.2.3", "numpy": "2.1.3"}
    assert "fastbook" not in pins, "Colab has no fastbook: the notebooks' first cell installs it"
    assert "a724079" in PACKAGES.read_text() and "2026-08-19" in PACKAGES.read_text()


@pytest.fixture(scope="module")
def colab(tmp_path_factory: pytest.TempPathFactory) -> dict:
    base = tmp_path_factory.mktemp("colab")
    clone = base / "repo"
    _run(["git", "clone", "--quiet", ROOT, clone])
    tag = release_tag()
    tagged = subprocess.run(["git", "-C", clone, "rev-parse", "--verify", "--quiet", f"refs/tags/{tag}^{{commit}}"],
                            capture_output=True, text=True).stdout.strip()
    head = _run(["git", "-C", clone, "rev-parse", "HEAD"]).stdout.strip()
    if tagged:
        tag_words = f"{tag}, the release tag, at {tagged[:7]}" + (" (HEAD)" if tagged == head else f" (HEAD is {head[:7]})")
    else:
        _run(["git", "-C", clone, "tag", tag, "HEAD"])
        tag_words = f"{tag}, not tagged in this checkout: tagged on HEAD ({head[:7]}) in the simulation's clone"
    python_exe, python_words = colab_python()
    env = base / "env"
    _run([python_exe, "-m", "venv", env])
    python = env / "bin" / "python"
    t0 = time.perf_counter()
    _run([python, "-m", "pip", "install", "-q", "-r", PACKAGES, "nbval"], timeout=1800)
    install_s = time.perf_counter() - t0
    stub = base / "stub" / "google" / "colab"   # `google` stays a namespace package (protobuf lives there too)
    stub.mkdir(parents=True)
    (stub / "__init__.py").write_text('"""Stand-in for Colab\'s google.colab module (tests/colab/test_colab.py)."""\n')
    (stub / "output.py").write_text('"""Stand-in for google.colab.output: Colab draws third-party widgets once this is called."""\n'
                                    "def enable_custom_widget_manager():\n    print('(Colab: custom widget manager on)')\n")
    site = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    (site / "colab_stub.pth").write_text(f"{base / 'stub'}\n")
    startup = base / "ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True)
    (startup / "00-colab.py").write_text("import google.colab  # as on Colab: the kernel has it loaded\n")
    environ = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV", "MNIST_RESULTS"}}
    environ.update(MNIST_QUICK="1", MNIST_CACHE=str(cache_dir()), IPYTHONDIR=str(base / "ipython"),
                   PIP_DISABLE_PIP_VERSION_CHECK="1", PATH=f"{env / 'bin'}{os.pathsep}{os.environ['PATH']}")
    report = {"python": python_words, "install_s": install_s, "notebooks": {}}
    yield {"base": base, "clone": clone, "tag": tag, "python": python, "site": site, "env": environ, "report": report}
    REPORT.parent.mkdir(parents=True, exist_ok=True)
    rows = "\n".join(f"| {name} | {status} | {seconds:.0f} s |" for name, (status, seconds) in report["notebooks"].items())
    versions = _run([python, "-c", "import torch, fastai, fastdownload, IPython, pandas, numpy; "
                     "print(', '.join(f'{m.__name__} {m.__version__}' for m in "
                     "(torch, fastai, fastdownload, IPython, pandas, numpy)))"]).stdout.strip()
    REPORT.write_text(f"# Colab simulation\n\n{python_words}; {versions}.\nColab's packages installed in "
                      f"{install_s:.0f} s. The notebooks installed the course's package from {tag_words}.\n\n| notebook | result | time (its install cell included) |\n|---|---|---|\n"
                      f"{rows}\n")


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_alone_installs_itself_and_runs_on_colabs_packages(colab: dict, notebook: Path):
    name = notebook.stem
    folder = colab["base"] / f"content-{name}"           # Colab's empty /content
    folder.mkdir()
    nb = json.loads(notebook.read_text())
    install = next(c for c in nb["cells"] if c["cell_type"] == "code")
    source = "".join(install["source"])
    pinned = f"git+{repo_url()}@{colab['tag']}"
    assert [m[0] for m in INSTALL.finditer(source)] == [pinned], f"the install cell must install {pinned}"
    install["source"] = source.replace(pinned, f"git+file://localhost{colab['clone']}@{colab['tag']}")
    (folder / notebook.name).write_text(json.dumps(nb))
    shutil.copy(ROOT / "tests" / "sanitize.cfg", folder)
    env = {**colab["env"], "FASTAI_HOME": str(folder / ".fastai")}  # a fresh runtime's own ~/.fastai
    # On Colab, fastbook's `untar_data(URLs.MNIST_SAMPLE)` (01) downloads the sample: there is no internet here,
    # so the sample is put where that download leaves it (data/mnist_sample, and the archive folder).
    (folder / ".fastai" / "archive").mkdir(parents=True)
    (folder / ".fastai" / "data").mkdir()
    (folder / ".fastai" / "data" / "mnist_sample").symlink_to(cache_dir() / "mnist_sample", target_is_directory=True)
    t0 = time.perf_counter()
    done = subprocess.run([colab["python"], "-m", "pytest", "-p", "no:cacheprovider", "--nbval-lax",
                           "--nbval-current-env", "--nbval-sanitize-with", "sanitize.cfg", notebook.name],
                          cwd=folder, env=env, capture_output=True, text=True, timeout=1200)
    colab["report"]["notebooks"][name] = ("passed" if done.returncode == 0 else "FAILED", time.perf_counter() - t0)
    assert done.returncode == 0, done.stdout[-8000:] + done.stderr[-2000:]
    # The package came from the clone, into the simulated Colab environment, with its data files; the Colab
    # versions were not replaced by the notebook's own install.
    where = _run([colab["python"], "-c", "import helpers, torch, fastdownload, IPython; print(helpers.__file__); "
                  "print(torch.__version__, fastdownload.__version__, IPython.__version__); "
                  "print(sorted(set(helpers.load_results()['run'])))"], cwd=folder, env=env).stdout.splitlines()
    assert where[0].startswith(str(colab["site"] / "helpers")), where
    assert re.match(r"2\.11\.0\b", where[1]) and where[1].split()[1:] == ["0.0.7", "7.34.0"], where[1]
    if name == "08_summary":   # alone in its runtime: nothing of its own, the reference run instead
        assert "['reference run (" in where[2] and "your run" not in where[2], where
