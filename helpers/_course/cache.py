"""The MNIST cache behind `helpers.get_mnist` and `helpers.load_mnist` (helpers/data.py): the four IDX
files, checked by md5, and the fastai-style PNG folders built from them, once.

The cache (`MNIST_CACHE`, default `~/.cache/mnist_helpers`) holds `idx/` and the two
folders. The IDX files come from the first source that works (see `sources.py`)
and are checked against their md5s. Three rules keep it safe with several notebooks open:

* a folder is complete when every file that belongs in it is there; other files
  (`.DS_Store`, `.ipynb_checkpoints`) are not counted, nor touched;
* every file is written beside the cache and moved into place whole (`os.replace`), and
  nothing is ever deleted from a live folder: a damaged folder is repaired by adding
  what it lacks, so a kernel that is reading it keeps reading valid files;
* one build of a folder at a time (a lock per folder); whoever waits says so, and gives
  up after `LOCK_TIMEOUT_S` seconds with a message.

>>> path, built = build_folder("sample", progress=False)
>>> sorted(p.name for p in (path / "train").iterdir())
['3', '7']
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
from filelock import FileLock, Timeout

from helpers._course import sources
from helpers._course.idx import DIGITS, FOLDERS, IDX_FILES, KINDS, SPLIT_FILES, IDXError, md5_of, read_idx, verify_idx
from helpers._course.sources import MNISTUnavailableError, SourceError  # noqa: F401 - part of this module's API

SPLIT_ALIASES = {
    "train": "train", "training": "train",
    "test": "test", "testing": "test", "valid": "test", "validation": "test",
}
MARKER_VERSION = 1
# Quick mode's folder of all ten digits keeps every QUICK_EVERY-th image (by index in the MNIST file), in the same
# layout, so a notebook runs unchanged on a tenth of the images (06's ten-digit run, in batches of 128, then still
# gets 39 steps). The 3s and 7s stay whole: notebooks 01 and
# 02 list and count them, and the tests check those numbers.
QUICK_EVERY = {"full": 10, "sample": 1}  # the sample's labels.csv lists every image: it stays whole
LOCK_TIMEOUT_S = 600  # a full build takes about 20 s on a 2-core laptop


class BuildTimeoutError(TimeoutError):
    """Another process held a build lock for longer than `LOCK_TIMEOUT_S`."""


# ---------------------------------------------------------------- public API


def cache_dir() -> Path:
    """The folder where the checked IDX files and the PNG folders live. Used in notebook 01.

    Set `MNIST_CACHE` to move it (for example onto a USB stick for a classroom).

    >>> from unittest import mock
    >>> with mock.patch.dict(os.environ, MNIST_CACHE="/media/usb/mnist"):
    ...     print(cache_dir())
    /media/usb/mnist
    """
    return Path(os.environ.get("MNIST_CACHE") or Path.home() / ".cache" / "mnist_helpers").expanduser()


def ensure_idx() -> Path:
    """Make sure the cache holds the four checked IDX files; return their folder.
    Used by `get_mnist` and `load_mnist` (notebook 01) and by `python -m helpers fetch`.

    Tries the sources in order (see `helpers._course.sources`) and raises
    `MNISTUnavailableError`, naming each source and why it failed, if none works.

    >>> sorted(p.name for p in ensure_idx().glob("*-ubyte"))
    ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte', 'train-images-idx3-ubyte', 'train-labels-idx1-ubyte']
    """
    final = cache_dir() / "idx"
    if idx_is_complete(final):
        refresh_idx_marker(final)
        return final
    with _build_lock(final):
        if idx_is_complete(final):  # another process built it while we waited
            refresh_idx_marker(final)
            return final
        try:
            verify_idx(final)  # the files are fine, only the marker is missing
            write_json(final / ".complete.json", _idx_marker(final, "files already in the cache"))
            return final
        except (OSError, IDXError) as e:
            tried = [("local cache", f"{final}: {_one_line(e)}")]
        for name, fetch in sources.SOURCES:
            staging = _staging(final)
            try:
                fetch(staging)
                verify_idx(staging)
                _install(staging, final)
                write_json(final / ".complete.json", _idx_marker(final, name))
                return final
            except Exception as e:  # noqa: BLE001 - every failure is reported below
                tried.append((name, _one_line(e)))
            finally:
                shutil.rmtree(staging, ignore_errors=True)
    raise MNISTUnavailableError(sources.unavailable_message(tried))


# ---------------------------------------------------------------- PNG folders


def build_folder(kind: str, progress: bool, quick: bool = False) -> tuple[Path, bool]:
    """The PNG folder of `kind` (quick mode's smaller one if `quick`), after adding whatever it lacks;
    and whether anything was."""
    every = QUICK_EVERY[kind] if quick else 1
    folder = cache_dir() / (KINDS[kind] + (f"_every{every}" if every > 1 else ""))
    _drop_fastais_empty_models_folder(folder)
    idx_folder = ensure_idx()
    if not missing(folder, kind, idx_folder, every):
        return folder, False
    with _build_lock(folder):
        todo = missing(folder, kind, idx_folder, every)  # another process may have built it meanwhile
        if todo:
            staging = _staging(folder)
            try:
                _write_pngs(idx_folder, todo, staging, kind, progress)
                _install(staging, folder)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
    return folder, bool(todo)


def _drop_fastais_empty_models_folder(folder: Path) -> None:
    """fastai's `lr_find` saves the weights in `<data folder>/models` and deletes the file afterwards, leaving an
    empty `models` folder that would show in the folder's listing (notebook 01 lists it). An empty one goes."""
    try:
        (folder / "models").rmdir()  # only if empty: rmdir refuses a folder with anything in it
    except OSError:
        pass


def missing(folder: Path, kind: str, idx_folder: Path, every: int = 1) -> list[tuple[str, int, Path]]:
    """What `folder` lacks, as (split, index in the IDX file, path relative to `folder`).

    Only the files that belong there are looked for (`train/3/10.png`, ..., `labels.csv`): with `every`,
    only the images whose index is a multiple of it. Anything else in the folder (`.DS_Store`,
    `.ipynb_checkpoints`) makes no difference.
    """
    todo = []
    for split, sub in FOLDERS[kind].items():
        labels = read_idx(idx_folder / SPLIT_FILES[split][1])
        for digit in DIGITS[kind]:
            here = folder / sub / str(digit)
            present = set(os.listdir(here)) if here.is_dir() else set()
            todo += [(split, i, Path(sub, str(digit), f"{i}.png"))
                     for i in np.flatnonzero(labels == digit).tolist()
                     if i % every == 0 and f"{i}.png" not in present]
    if kind == "sample" and not (folder / "labels.csv").is_file():
        todo.append(("", -1, Path("labels.csv")))
    return todo


def _write_pngs(idx_folder: Path, todo: list[tuple[str, int, Path]], dest: Path, kind: str, progress: bool) -> None:
    """Write the files of `todo` into `dest`, at their paths relative to the folder."""
    from PIL import Image
    from tqdm.auto import tqdm

    images = {split: read_split(idx_folder, split)[0] for split in {s for s, _, _ in todo if s}}
    for sub in {rel.parent for _, _, rel in todo}:
        (dest / sub).mkdir(parents=True, exist_ok=True)
    for split, i, rel in tqdm(todo, desc=f"Writing {KINDS[kind]}", unit="img", disable=not progress, mininterval=1):
        if rel.name == "labels.csv":
            (dest / rel).write_text(_labels_csv(idx_folder))
        else:
            Image.fromarray(images[split][i], mode="L").save(dest / rel)


def _labels_csv(idx_folder: Path) -> str:
    """fastai's `labels.csv` of the sample: `name,label`, 0 for a 3 and 1 for a 7."""
    rows = ["name,label"]
    for split, sub in FOLDERS["sample"].items():
        labels = read_split(idx_folder, split)[1]
        for label, digit in enumerate(DIGITS["sample"]):
            rows += [f"{sub}/{digit}/{i}.png,{label}" for i in np.flatnonzero(labels == digit)]
    return "\n".join(rows) + "\n"


def read_split(idx_folder: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    """NumPy images and labels of one split ("train" or "test") from an IDX folder."""
    images_file, labels_file = SPLIT_FILES[split]
    return read_idx(idx_folder / images_file), read_idx(idx_folder / labels_file)


# ---------------------------------------------------------------- the IDX files' marker


def _idx_marker(folder: Path, source: str) -> dict:
    files = {}
    for name, spec in IDX_FILES.items():
        st = (folder / name).stat()
        files[name] = {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "md5": spec["md5"]}
    return {"version": MARKER_VERSION, "source": source, "files": files}


def idx_is_complete(folder: Path) -> bool:
    """True when the marker is there and every file matches it. It only reads.

    A file whose size differs is incomplete; one whose mtime changed (copied, touched,
    edited) is checked again by md5.
    """
    marker = read_json(folder / ".complete.json")
    if not marker or marker.get("version") != MARKER_VERSION:
        return False
    for name, spec in IDX_FILES.items():
        want = marker.get("files", {}).get(name, {})
        try:
            st = (folder / name).stat()
        except FileNotFoundError:
            return False
        if st.st_size != want.get("size"):
            return False
        if st.st_mtime_ns != want.get("mtime_ns") and md5_of(folder / name) != spec["md5"]:
            return False
    return True


def refresh_idx_marker(folder: Path) -> None:
    """After `idx_is_complete` said yes: record the files' new mtimes, if they moved, so that the next check
    needs no md5. A read-only cache is left as it is (it was just checked)."""
    marker = read_json(folder / ".complete.json") or {}
    now = _idx_marker(folder, marker.get("source", "?"))
    if now["files"] != marker.get("files"):
        try:
            write_json(folder / ".complete.json", now)
        except OSError:
            pass


# ---------------------------------------------------------------- safe writes and the lock


@contextmanager
def _build_lock(folder: Path) -> Iterator[None]:
    """Hold `folder`'s build lock: one build at a time. Say so when waiting for another
    process, give up after `LOCK_TIMEOUT_S`, and clear what a killed build left behind."""
    folder.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(folder.with_name(f".{folder.name}.lock"))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        print(f"Waiting for another build of {folder} to finish (another notebook, or `make data`)...", flush=True)
        try:
            lock.acquire(timeout=LOCK_TIMEOUT_S)
        except Timeout:
            raise BuildTimeoutError(
                f"Gave up after {LOCK_TIMEOUT_S} s waiting for another build of {folder}: another process "
                f"(a notebook kernel, or `make data`) still holds {lock.lock_file}. Let it finish, or stop it "
                f"(restart that kernel), then run this again."
            ) from None
    try:
        for stale in folder.parent.glob(f".building-{folder.name}-*"):  # left by a build that was killed
            shutil.rmtree(stale, ignore_errors=True)
        yield
    finally:
        lock.release()


def _staging(final: Path) -> Path:
    """A new empty folder beside `final` to build into (same disk, so moving is instant)."""
    path = final.with_name(f".building-{final.name}-{os.getpid()}-{uuid.uuid4().hex[:8]}")
    path.mkdir()
    return path


def _install(staging: Path, final: Path) -> None:
    """Move a finished build into place, never removing anything a reader may be using:
    the whole folder in one rename when there is none yet, else file by file
    (`os.replace` swaps each one whole; a reader that has the old one open keeps it)."""
    if not final.exists():
        os.rename(staging, final)
        return
    for src in sorted(p for p in staging.rglob("*") if p.is_file()):
        dest = final / src.relative_to(staging)
        dest.parent.mkdir(parents=True, exist_ok=True)
        os.replace(src, dest)


def write_json(path: Path, data: Any) -> None:
    """Write `data` as JSON under a unique temporary name, then move it into place whole."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        tmp.write_text(json.dumps(data, indent=1, allow_nan=False) + "\n")
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"unknown MNIST kind {kind!r}: use 'full' (all ten digits) or 'sample' (only 3s and 7s)")
    return kind


def check_split(split: str) -> str:
    if split not in SPLIT_ALIASES:
        raise ValueError(f"unknown split {split!r}: use 'train' or 'test' (the sample calls its test images 'valid')")
    return SPLIT_ALIASES[split]


def _one_line(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    msg = text[0] if text else ""
    msg = msg if len(msg) < 200 else msg[:197] + "..."
    return msg if isinstance(e, (SourceError, IDXError)) else f"{type(e).__name__}: {msg}"
