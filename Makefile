# Two commands do everything on a fresh machine (see README.md):
#   make notebooks   set up, then run every notebook in order (full mode) and print a table
#   make test        set up, then run the unit tests and every notebook under nbval (quick mode)
# Both are safe to run again: the venv and the data are built once.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: notebooks test setup data lab bench clean-data browser-test chromium site student test-student grade slides

notebooks: data
	$(BIN)/python -m helpers run

# The unit tests and the notebooks, then what the notebooks recorded (against tests/floors.py). Old quick-mode
# results are removed first, so a notebook that records nothing can't pass on a stale file.
test: data
	rm -rf notebooks/results/quick
	$(BIN)/python -m pytest
	$(BIN)/python -m pytest -m after_notebooks tests/test_recorded_results.py

setup: $(STAMP)

# The exact versions the tests and the committed outputs were made with (requirements.lock, made by `make lock`
# from the ranges in requirements.txt), so a fresh install on Friday gets what passed on Monday.
$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -r requirements.lock
	touch $(STAMP)

# Refresh the lock: the newest versions that requirements.txt allows today, for Linux, macOS and Windows and
# Python 3.11.5 on (uv's universal resolution). Then run `make test` and commit both files together.
.PHONY: lock
lock: $(STAMP)
	$(BIN)/python -m pip install -q uv
	$(BIN)/python -m uv pip compile requirements.txt --universal --python-version 3.11.5 --upgrade \
	  --custom-compile-command "make lock" -o requirements.lock

# Cut a release: pyproject's version, every install cell and Colab badge pinned to its tag, one commit, the tag.
.PHONY: release
release: $(STAMP)
	@test -n "$(VERSION)" || { echo "make release VERSION=X.Y.Z (the current one is in pyproject.toml)"; exit 2; }
	$(BIN)/python -m helpers release $(VERSION)

data: $(STAMP)
	$(BIN)/python -m helpers fetch

lab: data
	$(BIN)/jupyter lab notebooks

bench: data
	$(BIN)/python experiments/benchmark_data.py

# Time to 99% test accuracy, ours (notebook 06) against the peer recipe, 3 seeds each, side by side.
.PHONY: bench-fast
bench-fast: data
	$(BIN)/python experiments/benchmark_fast.py

# The course website, into site/: every notebook with its committed outputs (never executed),
# offline, with MkDocs + Material + mkdocs-jupyter (website/build.py). Needs only requirements-site.txt.
SITE_STAMP := $(VENV)/.site-installed

site: $(SITE_STAMP)
	$(BIN)/python -m website

$(SITE_STAMP): requirements-site.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q -r requirements-site.txt
	touch $@

# Real-browser tests (tests/browser/), in headless Debian Chromium driven by Playwright: the interactive
# widgets in JupyterLab, then every page of the website (built first). Installs chromium with apt-get if missing.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
BROWSER_STAMP := $(VENV)/.browser-installed

browser-test: data chromium $(BROWSER_STAMP) site slides
	$(BIN)/python -m pytest tests/browser/browser_interactive.py tests/browser/browser_site.py tests/browser/browser_slides.py -v

chromium:
	@test -x /usr/bin/chromium || { $(SUDO) apt-get update -q && $(SUDO) apt-get install -y -q chromium chromium-driver; }

$(BROWSER_STAMP): tests/browser/requirements.txt $(STAMP)
	$(BIN)/python -m pip install -q -r tests/browser/requirements.txt
	touch $@

# The classroom edition (TEACHING.md). Student copies: the notebooks without solutions, answer keys or
# outputs, into student/ (committed; tests/test_classroom.py fails when they are out of date).
student: $(STAMP)
	$(BIN)/python classroom/marks.py
	$(BIN)/python classroom/student.py

# Google Colab, simulated (tests/colab/test_colab.py): each notebook alone, on Colab's own packages
# (tests/colab/colab-packages.txt) and Python 3.13 where the machine has it, through its own install cell.
# About 15 minutes, most of it installing torch; artifacts/colab/report.md gets the time of each notebook.
.PHONY: test-colab
test-colab: data
	$(BIN)/python -m pytest -p no:cacheprovider -o addopts="" --durations=0 -v tests/colab
	@cat artifacts/colab/report.md

# Each student copy runs top to bottom, its exercises unfinished (quick mode, as `make test`).
test-student: data
	MNIST_QUICK=1 $(BIN)/python -m pytest -p no:cacheprovider --nbval-lax --nbval-current-env \
	  --nbval-sanitize-with tests/sanitize.cfg --nbval-cell-timeout=900 -o addopts="" -o testpaths=student student

# Grade returned notebooks: make grade DIR=returned/ [SEED=1234]  ->  grades.csv
SEED ?= 0
grade: $(STAMP)
	@test -n "$(DIR)" || { echo "Say which folder: make grade DIR=path/to/returned/notebooks"; exit 1; }
	$(BIN)/python classroom/grade.py "$(DIR)" --seed $(SEED) --out grades.csv

# reveal.js slides of every notebook, into slides/ (reveal.js itself from npm, into slides/_vendor/).
slides: $(SITE_STAMP)
	$(BIN)/python classroom/slides.py
