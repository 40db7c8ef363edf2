"""MNIST, offline first: the four IDX files in a cache, fastai-style PNG folders, tensors.

* `load_mnist(kind, split)` reads the IDX files from the cache into tensors (fast);
* `get_mnist(kind)` returns a folder laid out exactly like fastai's `URLs.MNIST`
  (`training/`, `testing/`) or `URLs.MNIST_SAMPLE` (`train/`, `valid/`, `labels.csv`),
  with every PNG named by its index in the IDX file, so fastbook's code runs unchanged.

The cache (`MNIST_CACHE`, default `~/.cache/mnist_helpers`) holds `idx/` and the two
folders. The IDX files come from the first source that works (see `helpers.sources`)
and are checked against their md5s. Three rules keep it safe with several notebooks open:

* a folder is complete when every file that belongs in it is there; other files
  (`.DS_Store`, `.ipynb_checkpoints`) are not counted, nor touched;
* every file is written beside the cache and moved into place whole (`os.replace`), and
  nothing is ever deleted from a live folder: a damaged folder is repaired by adding
  what it lacks, so a kernel that is reading it keeps reading valid files;
* one build of a folder at a time (a lock per folder); whoever waits says so, and gives
  up after `LOCK_TIMEOUT_S` seconds with a message.

>>> sorted(p.name for p in get_mnist("sample").iterdir())
['labels.csv', 'train', 'valid']
"""

from __future__ import annotations

import json
import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import torch
from filelock import FileLock, Timeout

from helpers import sources
from helpers.fastai_data import link_for_fastai
from helpers.idx import DIGITS, FOLDERS, IDX_FILES, KINDS, SPLIT_FILES, IDXError, md5_of, read_idx, verify_idx
from helpers.sources import MNISTUnavailableError, SourceError  # noqa: F401 - part of this module's API

SPLIT_ALIASES = {
    "train": "train", "training": "train",
    "test": "test", "testing": "test", "valid": "test", "validation": "test",
}
MARKER_VERSION = 1
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


def get_mnist(kind: str = "full", progress: bool = True) -> Path:
    """Path to MNIST as PNG folders laid out like fastai's archives, built once.
    Taught in notebook 01, used in every notebook after it.

    `kind="full"`: `training/<digit>/<index>.png` (60,000) and `testing/...` (10,000).
    `kind="sample"`: `train/3`, `train/7`, `valid/3`, `valid/7` and `labels.csv`.
    When it has just built a folder in the default cache, it also lets fastai's
    `untar_data` find it (see `helpers.fastai_data`) and says so in one line. A cache
    named by `MNIST_CACHE` may be temporary, so only `python -m helpers fetch` links that.

    >>> path = get_mnist("sample")
    >>> (path / "train" / "3" / "10000.png").exists()
    True
    """
    path, built = _build_folder(_check_kind(kind), progress)
    if built and not os.environ.get("MNIST_CACHE"):
        made, line = link_for_fastai(path)
        if made:
            print(line)
    return path


def load_mnist(kind: str = "full", split: str = "train") -> tuple[torch.Tensor, torch.Tensor]:
    """Images `uint8 [N, 28, 28]` and labels `int64 [N]`, read from the cached IDX files.
    Taught in notebook 01, used in every notebook after it.

    `split` is "train" or "test" (also "training"/"testing", and "valid" as the sample
    calls the test images). `kind="sample"` keeps only the 3s and 7s, in IDX order,
    with their digit as label (3 or 7).

    >>> x, y = load_mnist("sample", "valid")
    >>> x.shape, y.unique().tolist()
    (torch.Size([2038, 28, 28]), [3, 7])
    """
    kind = _check_kind(kind)
    images, labels = _read_split(ensure_idx(), _check_split(split))
    images, labels = torch.from_numpy(images.copy()), torch.from_numpy(labels.astype(np.int64))
    if kind == "sample":
        keep = torch.isin(labels, torch.tensor(DIGITS["sample"]))
        images, labels = images[keep], labels[keep]
    return images, labels


def ensure_idx() -> Path:
    """Make sure the cache holds the four checked IDX files; return their folder.
    Used by `get_mnist` and `load_mnist` (notebook 01) and by `python -m helpers fetch`.

    Tries the sources in order (see `helpers.sources`) and raises
    `MNISTUnavailableError`, naming each source and why it failed, if none works.

    >>> sorted(p.name for p in ensure_idx().glob("*-ubyte"))
    ['t10k-images-idx3-ubyte', 't10k-labels-idx1-ubyte', 'train-images-idx3-ubyte', 'train-labels-idx1-ubyte']
    """
    final = cache_dir() / "idx"
    if _idx_is_complete(final):
        return final
    with _build_lock(final):
        if _idx_is_complete(final):  # another process built it while we waited
            return final
        try:
            verify_idx(final)  # the files are fine, only the marker is missing
            _write_json(final / ".complete.json", _idx_marker(final, "files already in the cache"))
            return final
        except (OSError, IDXError) as e:
            tried = [("local cache", f"{final}: {_one_line(e)}")]
        for name, fetch in sources.SOURCES:
            staging = _staging(final)
            try:
                fetch(staging)
                verify_idx(staging)
                _install(staging, final)
                _write_json(final / ".complete.json", _idx_marker(final, name))
                return final
            except Exception as e:  # noqa: BLE001 - every failure is reported below
                tried.append((name, _one_line(e)))
            finally:
                shutil.rmtree(staging, ignore_errors=True)
    raise MNISTUnavailableError(sources.unavailable_message(tried))


# ---------------------------------------------------------------- PNG folders


def _build_folder(kind: str, progress: bool) -> tuple[Path, bool]:
    """The PNG folder of `kind`, after adding whatever it lacks; and whether anything was."""
    folder = cache_dir() / KINDS[kind]
    idx_folder = ensure_idx()
    if not _missing(folder, kind, idx_folder):
        return folder, False
    with _build_lock(folder):
        todo = _missing(folder, kind, idx_folder)  # another process may have built it meanwhile
        if todo:
            staging = _staging(folder)
            try:
                _write_pngs(idx_folder, todo, staging, kind, progress)
                _install(staging, folder)
            finally:
                shutil.rmtree(staging, ignore_errors=True)
    return folder, bool(todo)


def _missing(folder: Path, kind: str, idx_folder: Path) -> list[tuple[str, int, Path]]:
    """What `folder` lacks, as (split, index in the IDX file, path relative to `folder`).

    Only the files that belong there are looked for (`train/3/10.png`, ..., `labels.csv`):
    anything else in the folder (`.DS_Store`, `.ipynb_checkpoints`) makes no difference.
    """
    todo = []
    for split, sub in FOLDERS[kind].items():
        labels = read_idx(idx_folder / SPLIT_FILES[split][1])
        for digit in DIGITS[kind]:
            here = folder / sub / str(digit)
            present = set(os.listdir(here)) if here.is_dir() else set()
            todo += [(split, i, Path(sub, str(digit), f"{i}.png"))
                     for i in np.flatnonzero(labels == digit).tolist() if f"{i}.png" not in present]
    if kind == "sample" and not (folder / "labels.csv").is_file():
        todo.append(("", -1, Path("labels.csv")))
    return todo


def _write_pngs(idx_folder: Path, todo: list[tuple[str, int, Path]], dest: Path, kind: str, progress: bool) -> None:
    """Write the files of `todo` into `dest`, at their paths relative to the folder."""
    from PIL import Image
    from tqdm.auto import tqdm

    images = {split: _read_split(idx_folder, split)[0] for split in {s for s, _, _ in todo if s}}
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
        labels = _read_split(idx_folder, split)[1]
        for label, digit in enumerate(DIGITS["sample"]):
            rows += [f"{sub}/{digit}/{i}.png,{label}" for i in np.flatnonzero(labels == digit)]
    return "\n".join(rows) + "\n"


def _read_split(idx_folder: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
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


def _idx_is_complete(folder: Path) -> bool:
    """True when the marker is there and every file matches it.

    A file whose size differs is incomplete; one whose mtime changed (copied, touched,
    edited) is checked again by md5, and the marker refreshed if it still matches.
    """
    marker = _read_json(folder / ".complete.json")
    if not marker or marker.get("version") != MARKER_VERSION:
        return False
    refreshed = False
    for name, spec in IDX_FILES.items():
        want = marker.get("files", {}).get(name, {})
        try:
            st = (folder / name).stat()
        except FileNotFoundError:
            return False
        if st.st_size != want.get("size"):
            return False
        if st.st_mtime_ns != want.get("mtime_ns"):
            if md5_of(folder / name) != spec["md5"]:
                return False
            refreshed = True
    if refreshed:
        try:
            _write_json(folder / ".complete.json", _idx_marker(folder, marker.get("source", "?")))
        except OSError:  # a read-only cache is fine: it was just checked
            pass
    return True


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


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=1))
    os.replace(tmp, path)


def _read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


def _check_kind(kind: str) -> str:
    if kind not in KINDS:
        raise ValueError(f"unknown MNIST kind {kind!r}: use 'full' (all ten digits) or 'sample' (only 3s and 7s)")
    return kind


def _check_split(split: str) -> str:
    if split not in SPLIT_ALIASES:
        raise ValueError(f"unknown split {split!r}: use 'train' or 'test' (the sample calls its test images 'valid')")
    return SPLIT_ALIASES[split]


def _one_line(e: BaseException) -> str:
    text = str(e).strip().splitlines()
    msg = text[0] if text else ""
    msg = msg if len(msg) < 200 else msg[:197] + "..."
    return msg if isinstance(e, (SourceError, IDXError)) else f"{type(e).__name__}: {msg}"
