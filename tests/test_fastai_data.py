"""fastbook's own code, unchanged and offline (issue 9, item 4): after `make data`,
`untar_data(URLs.MNIST_SAMPLE)` and `untar_data(URLs.MNIST)` return our folders.

Every test here has its own empty `FASTAI_HOME` (tests/conftest.py): the real `~/.fastai`
is never read or written.
"""

from __future__ import annotations

import functools
import http.server
import os
import subprocess
import sys
import tarfile
import threading
from pathlib import Path

import pytest

import helpers
from helpers._course.fastai_data import fastai_data_dir, link_for_fastai

REPO = Path(__file__).resolve().parent.parent
OFFLINE = {"https_proxy": "http://127.0.0.1:9", "http_proxy": "http://127.0.0.1:9"}  # any download fails at once


def fake_folder(parent: Path, name: str = "mnist_sample") -> Path:
    folder = parent / name
    (folder / "train" / "3").mkdir(parents=True)
    (folder / "labels.csv").write_text("name,label\n")
    return folder


def test_fastai_data_dir_follows_fastais_own_rule_without_writing(fastai_home, monkeypatch):
    from fastai.data.external import fastai_cfg, fastai_path

    assert fastai_data_dir() == fastai_home / "data"
    assert not fastai_home.exists(), "reading fastai's settings must not create anything"
    assert fastai_path("data") == fastai_home / "data"  # fastai's answer (it writes its config.ini)
    (fastai_home / "config.ini").write_text("[DEFAULT]\ndata = big_disk/datasets\narchive = archive\n")
    fastai_cfg.cache_clear()  # fastai reads it once per process
    assert fastai_data_dir() == fastai_path("data") == fastai_home / "big_disk" / "datasets"
    monkeypatch.setenv("FASTAI_HOME", str(fastai_home / "elsewhere"))
    fastai_cfg.cache_clear()
    assert fastai_data_dir() == fastai_path("data") == fastai_home / "elsewhere" / "data"


def test_link_is_made_once_and_only_where_nothing_is(fastai_home, tmp_path):
    ours = fake_folder(tmp_path / "cache")
    made, line = link_for_fastai(ours)
    link = fastai_home / "data" / "mnist_sample"
    assert made and line == (f"fastai: untar_data(URLs.MNIST_SAMPLE) now finds {ours} with no download "
                             f"(linked as {link})")
    assert link.is_symlink() and link.resolve() == ours.resolve()
    assert link_for_fastai(ours) == (False, f"fastai: untar_data(URLs.MNIST_SAMPLE) finds {ours} (through {link})")
    assert not (fastai_home / "config.ini").exists()


def test_the_learners_own_folder_or_link_is_never_touched(fastai_home, tmp_path):
    data = fastai_home / "data"
    downloaded = fake_folder(data, "mnist_png")  # a real download by fastai
    (downloaded / "mine.txt").write_text("keep me")
    theirs = fake_folder(tmp_path / "theirs")
    (data / "mnist_sample").symlink_to(theirs)  # a link the learner made
    ours = tmp_path / "cache"
    made_png, line_png = link_for_fastai(fake_folder(ours, "mnist_png"))
    made_sample, line_sample = link_for_fastai(fake_folder(ours, "mnist_sample"))
    assert not made_png and not made_sample
    assert "left as it is" in line_png and "left as it is" in line_sample
    assert not (data / "mnist_png").is_symlink() and (downloaded / "mine.txt").read_text() == "keep me"
    assert os.readlink(data / "mnist_sample") == str(theirs)
    theirs.rename(tmp_path / "moved")  # now a dangling link: still the learner's
    made, line = link_for_fastai(ours / "mnist_sample")
    assert not made and "which is gone; left as it is" in line
    assert os.readlink(data / "mnist_sample") == str(theirs)


def test_get_mnist_links_the_folder_it_builds_in_the_default_cache(tmp_cache, fastai_home, monkeypatch, capsys):
    monkeypatch.delenv("MNIST_CACHE")
    monkeypatch.setenv("HOME", str(tmp_cache.parent / "home"))  # so the default cache is a new one
    path = helpers.get_mnist("sample", progress=False)
    assert path == tmp_cache.parent / "home" / ".cache" / "mnist_helpers" / "mnist_sample"
    assert capsys.readouterr().out == (f"fastai: untar_data(URLs.MNIST_SAMPLE) now finds {path} with no download "
                                       f"(linked as {fastai_home / 'data' / 'mnist_sample'})\n")
    assert (fastai_home / "data" / "mnist_sample").resolve() == path.resolve()
    helpers.get_mnist("sample", progress=False)
    assert capsys.readouterr().out == "", "a second call says nothing"


def test_a_cache_named_by_mnist_cache_is_not_linked_by_get_mnist(tmp_cache, fastai_home, capsys):
    """Tests and benchmarks use a temporary MNIST_CACHE: a link to it would soon point nowhere."""
    helpers.get_mnist("sample", progress=False)
    assert not (fastai_home / "data").exists()
    assert "fastai" not in capsys.readouterr().out


@pytest.fixture
def web(tmp_path):
    """A local web server, standing in for fastai's: serves files from a folder, logs requests."""
    root = tmp_path / "web"
    root.mkdir()
    requests: list[str] = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, fmt, *args):
            requests.append(self.path)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=root))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield root, f"http://127.0.0.1:{server.server_port}", requests
    server.shutdown()


def _tgz(root: Path, name: str) -> None:
    src = fake_folder(root / "src", name)
    (src / "from_the_web.txt").write_text("downloaded")
    with tarfile.open(root / f"{name}.tgz", "w:gz") as tar:
        tar.add(src, arcname=name)


def test_real_fastai_downloads_keep_working_and_never_delete_our_folder(tmp_path, fastai_home, web, monkeypatch):
    from fastai.data.external import untar_data

    root, url, requests = web
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    ours = fake_folder(tmp_path / "cache")
    assert link_for_fastai(ours)[0]
    _tgz(root, "another_dataset")
    got = untar_data(f"{url}/another_dataset.tgz")  # any other dataset: downloaded as usual
    assert got == fastai_home / "data" / "another_dataset" and (got / "from_the_web.txt").exists()
    _tgz(root, "mnist_sample")
    requests.clear()
    assert untar_data(f"{url}/mnist_sample.tgz") == fastai_home / "data" / "mnist_sample"
    assert requests == [], "our folder is there: no download"
    with pytest.raises(OSError, match="symbolic link"):  # fastai refuses to delete through the link
        untar_data(f"{url}/mnist_sample.tgz", force_download=True)
    assert sorted(p.name for p in ours.iterdir()) == ["labels.csv", "train"]


FASTBOOK_CHAPTER_4 = """
from fastai.vision.all import *
path = untar_data(URLs.MNIST_SAMPLE)
Path.BASE_PATH = path
print(path.ls().sorted())
threes = (path/'train'/'3').ls().sorted()
sevens = (path/'train'/'7').ls().sorted()
print(len(threes), len(sevens), threes[:3])
seven_tensors = [tensor(Image.open(o)) for o in sevens]
three_tensors = [tensor(Image.open(o)) for o in threes]
stacked_sevens = torch.stack(seven_tensors).float()/255
stacked_threes = torch.stack(three_tensors).float()/255
mean3 = stacked_threes.mean(0)
mean7 = stacked_sevens.mean(0)
valid_3_tens = torch.stack([tensor(Image.open(o))
                            for o in (path/'valid'/'3').ls()])
valid_3_tens = valid_3_tens.float()/255
valid_7_tens = torch.stack([tensor(Image.open(o))
                            for o in (path/'valid'/'7').ls()])
valid_7_tens = valid_7_tens.float()/255
def mnist_distance(a,b): return (a-b).abs().mean((-1,-2))
def is_3(x): return mnist_distance(x,mean3) < mnist_distance(x,mean7)
accuracy_3s =      is_3(valid_3_tens).float() .mean()
accuracy_7s = (1 - is_3(valid_7_tens).float()).mean()
print(f"accuracy {accuracy_3s.item():.4f} {accuracy_7s.item():.4f}")
print(untar_data(URLs.MNIST), [o.name for o in untar_data(URLs.MNIST).ls().sorted()])
"""


@pytest.fixture(scope="module", params=["installed", "0.0.7"])
def fastdownload_path(request, tmp_path_factory) -> str:
    """"" for the installed fastdownload (0.0.8 or later), else a folder holding fastdownload 0.0.7, Colab's in
    2026, which downloads when ~/.fastai/archive is missing even though the data folder exists."""
    if request.param == "installed":
        return ""
    target = tmp_path_factory.mktemp("fastdownload-0.0.7")
    done = subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target),
                           "fastdownload==0.0.7"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return str(target)


def test_fastbooks_chapter_4_runs_unchanged_offline_after_make_data(real_idx, fastai_home, tmp_path,
                                                                     fastdownload_path):
    """`make data` (python -m helpers fetch), then fastbook's cells in a fresh Python, outside the repo,
    with the installed fastdownload and with Colab's 0.0.7."""
    env = {**os.environ, "PYTHONPATH": str(REPO), **OFFLINE}
    fetch = subprocess.run([sys.executable, "-m", "helpers", "fetch"], env=env, cwd=REPO,
                           capture_output=True, text=True, timeout=120)
    assert fetch.returncode == 0, fetch.stdout + fetch.stderr
    sample, full = helpers.get_mnist("sample"), helpers.get_mnist("full")
    assert f"fastai: untar_data(URLs.MNIST_SAMPLE) now finds {sample} with no download" in fetch.stdout
    assert f"fastai: untar_data(URLs.MNIST) now finds {full} with no download" in fetch.stdout

    learner = tmp_path / "my_notebooks"
    learner.mkdir()
    env["PYTHONPATH"] = fastdownload_path
    version = subprocess.run([sys.executable, "-c", "import fastdownload; print(fastdownload.__version__)"],
                             env=env, capture_output=True, text=True).stdout.strip()
    assert (version == "0.0.7") == bool(fastdownload_path), version
    book = subprocess.run([sys.executable, "-c", FASTBOOK_CHAPTER_4], env=env, cwd=learner,
                          capture_output=True, text=True, timeout=120)
    assert book.returncode == 0, book.stderr[-3000:]
    lines = book.stdout.splitlines()
    assert lines[0] == "[Path('labels.csv'), Path('train'), Path('valid')]"
    assert lines[1] == "6131 6265 [Path('train/3/10.png'), Path('train/3/10000.png'), Path('train/3/10011.png')]"
    assert lines[2] == "accuracy 0.9168 0.9854"  # fastbook's numbers
    assert lines[3] == f"{fastai_home / 'data' / 'mnist_png'} ['testing', 'training']"
    assert not list((fastai_home / "archive").glob("*.tgz")), "something was downloaded"
