"""The machinery that runs the course, kept apart from the lesson code: a learner need not open this folder.

- cache.py, sources.py, idx.py, fastai_data.py: the MNIST files (where they come from, checked by md5, the
  cache with its locks and markers, the PNG folders, the links fastai's `untar_data` finds);
- results.py: what the notebooks record for notebook 08, and the shipped reference run;
- runner.py: `python -m helpers run`, which runs notebooks in place; repo.py: the project's one address;
- exercises_runner.py: how `helpers.check` tries a learner's code; widgets.py: what the lesson widgets share;
- cli.py: `python -m helpers` (fetch, where, run, set-repo).

The lesson code, one module per notebook, is in helpers/ itself; helpers/__init__.py lists the public names.
"""
