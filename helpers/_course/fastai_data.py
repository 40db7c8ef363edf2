"""Let fastbook's own code find our folders: `untar_data(URLs.MNIST_SAMPLE)`, offline.

fastai's `untar_data(url)` asks fastdownload's `FastDownload.get`, which returns
`<data>/<name>` without touching the network when that path exists. `<data>` is
`fastai_path('data')`: `~/.fastai/data`, or what `FASTAI_HOME` and fastai's `config.ini`
say (fastai writes that file, with its defaults, the first time it is asked and finds
none). `<name>` is the archive's name: `mnist_png` for `URLs.MNIST`, `mnist_sample` for
`URLs.MNIST_SAMPLE`, the very names of our two folders.

So one symbolic link, `<data>/mnist_sample -> <our cache>/mnist_sample`, is all fastbook's
chapter 4 needs, and fastai's archive folder (`~/.fastai/archive`), made empty if missing:
fastdownload 0.0.7 (Colab's in 2026) names the extracted folder from the archive's path, which it
gets wrong when that folder does not exist yet, and downloads after all (0.0.8 makes the folder first). We add a link only where nothing of that name exists: a folder fastai
downloaded, or a link you made, is never touched. With internet, fastai downloads every
other dataset as usual.

>>> URL_NAMES["mnist_sample"]
'URLs.MNIST_SAMPLE'
"""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

# Our folder names are fastai's archive names; what a learner types to get each.
URL_NAMES = {"mnist_png": "URLs.MNIST", "mnist_sample": "URLs.MNIST_SAMPLE"}


def fastai_data_dir() -> Path | None:
    """Where fastai's `untar_data` keeps datasets, or None if fastai is not installed.

    The same rule as fastai's `fastai_path('data')`: `data` in `$FASTAI_HOME/config.ini`
    (default `~/.fastai`), relative to that folder, `data` if there is no config.ini yet.
    Read without writing: fastai writes its config.ini itself, the first time it runs.
    Used by `helpers.get_mnist` (notebook 01).

    >>> from unittest import mock
    >>> with mock.patch.dict(os.environ, FASTAI_HOME="/tmp/no-fastai-here"):
    ...     print(fastai_data_dir())
    /tmp/no-fastai-here/data
    """
    if importlib.util.find_spec("fastai") is None:
        return None
    return _fastai_path("data")


def _fastai_path(key: str) -> Path:
    """fastai's `fastai_path(key)` ("data" or "archive"), read without writing config.ini."""
    from fastcore.xtras import Config  # what fastai_cfg() reads it with (fastcore comes with fastai)

    home = Path(os.environ.get("FASTAI_HOME", "~/.fastai"))
    return Config(home, "config.ini", create=None).path(key, key)


def link_for_fastai(folder: Path) -> tuple[bool, str]:
    """Make fastai's `untar_data` find `folder` (our `mnist_png` or `mnist_sample`) with no
    download, by a symbolic link in fastai's data folder, unless something of that name is
    there already. Returns (whether it made the link, what it did in one line).
    Used by `helpers.get_mnist` (notebook 01) and `python -m helpers fetch`.

    >>> import tempfile
    >>> from unittest import mock
    >>> from helpers.data import get_mnist
    >>> with tempfile.TemporaryDirectory() as home, mock.patch.dict(os.environ, FASTAI_HOME=home):
    ...     print(link_for_fastai(get_mnist("sample"))[0], link_for_fastai(get_mnist("sample"))[0])
    True False
    """
    folder = Path(folder).absolute()
    url = URL_NAMES[folder.name]
    data = fastai_data_dir()
    if data is None:
        return False, f"fastai: not installed, so {url} is not linked (helpers.get_mnist does not need it)"
    link = data / folder.name
    try:  # fastdownload 0.0.7 downloads anyway when this folder is missing (see the module's docstring)
        _fastai_path("archive").mkdir(parents=True, exist_ok=True)
    except OSError:
        pass  # then untar_data may download, as it would without us
    if link.is_symlink() and os.path.realpath(link) == os.path.realpath(folder):
        return False, f"fastai: untar_data({url}) finds {folder} (through {link})"
    if link.is_symlink() and not link.exists():
        return False, f"fastai: {link} links to {os.readlink(link)}, which is gone; left as it is (remove it to relink)"
    if link.is_symlink() or link.exists():
        return False, f"fastai: {link} is already there (yours or fastai's), left as it is; untar_data({url}) uses it"
    try:
        data.mkdir(parents=True, exist_ok=True)
        os.symlink(folder, link, target_is_directory=True)
    except FileExistsError:  # another process linked it just now
        return link_for_fastai(folder)
    except OSError as e:
        return False, f"fastai: could not link {link} ({e}); untar_data({url}) will download as usual"
    return True, f"fastai: untar_data({url}) now finds {folder} with no download (linked as {link})"
