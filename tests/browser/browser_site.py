"""The course website in a real browser (run by `make browser-test`, after `make site`).

Serves site/ on 127.0.0.1 (a random free port, this process only) and opens every page in
headless Debian Chromium through Playwright, as tests/browser/browser_interactive.py does. Each
page must load with no JavaScript error, no console error, no failed or 4xx/5xx response and no
request to any other host (every such request is blocked and fails the test: the site must work
offline); every image must be drawn; every link inside the site must reach a page or file that
exists, and its #anchor an element of that page. Then, on each notebook page: the Colab, download
and GitHub buttons point at that notebook at pyproject.toml's address, previous/next follow the
notebook order, the folded solutions are still folded, and the figures, tables, widget sentences
and math of the notebook are there. Search must find 'cross-entropy' on the page that teaches it.
Screenshots of the home page and of a lesson page go to artifacts/site/ (ignored by git).

The pages expected are the ones website/build.py puts in the nav, read from the repository as
`make site` reads it, so the test follows the notebooks when they are added, split or renumbered.

Not named test_*.py, so the plain `pytest` run does not collect it:
`.venv/bin/python -m pytest tests/browser/browser_site.py`.
"""

from __future__ import annotations

import functools
import json
import re
import threading
import time
import urllib.error
import urllib.request
from http.server import ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest

from labdriver import QuietHandler, chromium_page

ROOT = Path(__file__).resolve().parent.parent.parent
SITE = ROOT / "site"
ARTIFACTS = ROOT / "artifacts" / "site"

import sys  # noqa: E402

sys.path.insert(0, str(ROOT))
from website import build  # noqa: E402

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def page_url(path: str) -> str:
    """The address, relative to the site's root, of the page MkDocs makes of `path` (directory URLs)."""
    p = Path(path)
    if p.stem in ("index", "README"):
        return "" if p.parent.as_posix() == "." else p.parent.as_posix() + "/"
    return p.with_suffix("").as_posix() + "/"


NAV = ["index.md"] + [path for _, path in build.pages()]  # the site's pages, in reading order
NOTEBOOK_PATHS = [p for p in NAV if p.endswith(".ipynb")]
PAGES = [page_url(p) for p in NAV] + ["404.html"]


@pytest.fixture(scope="module")
def base() -> str:
    if not (SITE / "index.html").is_file():
        pytest.fail("site/ is not built: run `make site` first (`make browser-test` does)")
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(SITE)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def page(base):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with chromium_page(width=1280, height=900) as page:
        page.problems = []  # (where, what): errors, outside requests, bad responses; reset per visit

        def route(r):
            url = r.request.url
            if url.startswith(base):
                r.continue_()
            else:
                page.problems.append(f"request to another host (blocked): {url[:150]}")
                r.abort()

        page.route("**/*", route)
        page.on("pageerror", lambda e: page.problems.append(f"JavaScript error: {e.message}\n{e.stack}"))
        page.on("console", lambda m: page.problems.append(f"console {m.type}: {m.text}")
                if m.type in ("error", "warning") else None)
        page.on("response", lambda r: page.problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
        page.on("requestfailed", lambda r: page.problems.append(f"request failed ({r.failure}): {r.url[:150]}"))
        yield page


def visit(page, url: str) -> list[str]:
    """Open `url`, wait until nothing more loads, and return what went wrong meanwhile."""
    page.problems.clear()
    response = page.goto(url, wait_until="load")
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(200)  # late errors from scripts that run after load
    problems = list(page.problems)
    if response is None or response.status != 200:
        problems.append(f"{url} answered {response.status if response else 'nothing'}")
    return problems


PAGE_FACTS = """() => ({
  title: document.title,
  links: [...document.querySelectorAll('a[href]')].map(a => a.href),
  ids: [...document.querySelectorAll('[id]')].map(e => e.id).concat(
       [...document.querySelectorAll('a[name]')].map(e => e.name)),
  images: document.images.length,
  brokenImages: [...document.images].filter(i => !(i.complete && i.naturalWidth > 0))
                                    .map(i => (i.currentSrc || i.src).slice(0, 150)),
})"""


@pytest.fixture(scope="module")
def crawl(page, base) -> dict[str, dict]:
    """Every page of the site opened once: what went wrong, its links, ids and images."""
    built = sorted(p.relative_to(SITE).parent.as_posix() for p in SITE.rglob("index.html"))
    expected = sorted((p.rstrip("/") or ".") for p in PAGES if p != "404.html")
    assert built == expected, ("site/ does not hold the pages the repository makes (run `make site`): "
                               f"built {built}, expected {expected}")
    out = {}
    for path in PAGES:
        problems = visit(page, base + path)
        facts = page.evaluate(PAGE_FACTS)
        facts["problems"] = problems
        out[path] = facts
    return out


@pytest.mark.parametrize("path", PAGES)
def test_page_loads_with_no_error_and_nothing_from_outside(crawl, path):
    facts = crawl[path]
    assert not facts["problems"], f"/{path}:\n" + "\n".join(facts["problems"])
    assert not facts["brokenImages"], f"/{path}: images not drawn: {facts['brokenImages']}"


def test_no_internal_link_is_broken(crawl, base):
    ids = {base + path: set(facts["ids"]) for path, facts in crawl.items()}
    status: dict[str, int] = {}
    broken = []
    for path, facts in crawl.items():
        for link in facts["links"]:
            if not link.startswith(base):
                assert urlsplit(link).scheme in ("http", "https", "mailto"), f"/{path}: odd link {link}"
                continue
            target, fragment = urldefrag(link)
            target = target.split("?")[0]
            if target not in status:
                try:
                    with urllib.request.urlopen(target, timeout=10) as r:
                        status[target] = r.status
                except urllib.error.HTTPError as e:
                    status[target] = e.code
            if status[target] != 200:
                broken.append(f"/{path} -> {link} ({status[target]})")
            elif fragment and target in ids and urllib.request.unquote(fragment) not in ids[target]:
                broken.append(f"/{path} -> {link} (no element with id {fragment!r} there)")
            elif fragment and target not in ids and target.endswith("/"):
                broken.append(f"/{path} -> {link} (a page the crawl did not open)")
    assert not broken, f"{len(broken)} broken links:\n" + "\n".join(sorted(set(broken))[:60])


def _markdown(nb: dict) -> str:
    return "\n".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")


def _outputs(nb: dict) -> list[dict]:
    return [out for c in nb["cells"] if c["cell_type"] == "code" for out in c.get("outputs", [])]


@pytest.mark.parametrize("path", NOTEBOOK_PATHS)
def test_notebook_page_has_its_buttons_outputs_and_folded_solutions(page, base, crawl, path):
    nb = json.loads((ROOT / path).read_text(encoding="utf-8"))
    visit(page, base + page_url(path))
    url = build.repo.repo_url()

    colab = page.locator("a.nb-colab")
    assert colab.count() == 1 and colab.inner_text().strip() == "Open in Colab"
    tag = build.repo.release_tag()
    assert colab.get_attribute("href") == build.repo.colab_link(url, path, tag)  # the README badges' function
    assert colab.get_attribute("href").endswith(f"/blob/{tag}/{path}")
    download = page.locator("a.nb-download")
    assert download.count() == 1 and download.inner_text().strip() == "Download notebook"
    assert download.get_attribute("href") == build.links(url, path, tag)["download"]
    assert download.get_attribute("href").endswith(f"/{tag}/{path}") and url.split("/")[-1] in download.get_attribute("href")

    # previous / next, in the nav's order
    k = NAV.index(path)
    prev_href = page.locator("a.md-footer__link--prev").get_attribute("href")
    assert urljoin(page.url, prev_href) == base + page_url(NAV[k - 1])
    nxt = page.locator("a.md-footer__link--next")
    if k + 1 < len(NAV):
        assert urljoin(page.url, nxt.get_attribute("href")) == base + page_url(NAV[k + 1])
    else:
        assert nxt.count() == 0

    # folded solutions stay folded: each <details> closed, its content hidden until clicked
    details = page.evaluate("""() => [...document.querySelectorAll('.jp-MarkdownCell details')].map(d => ({
        open: d.open, summary: d.querySelector('summary')?.innerText || '',
        shown: [...d.children].filter(c => c.tagName !== 'SUMMARY').some(c => c.checkVisibility())}))""")
    assert len(details) == _markdown(nb).count("<details"), path
    for d in details:
        assert not d["open"] and not d["shown"] and d["summary"].strip(), (path, d)
    if details:
        first = page.locator(".jp-MarkdownCell details").first
        first.locator("summary").click()
        assert first.evaluate("d => d.open && [...d.children].some(c => c.tagName !== 'SUMMARY' && c.checkVisibility())")
        first.locator("summary").click()

    # figures and tables as in the notebook
    outs = _outputs(nb)
    pictures = sum(1 for o in outs if {"image/png", "image/jpeg"} & set(o.get("data", {}))
                   and "text/html" not in o["data"])
    drawn = page.evaluate("""() => [...document.querySelectorAll('.jp-RenderedImage img')]
                                       .filter(i => i.complete && i.naturalWidth > 0).length""")
    assert drawn == pictures, f"{path}: {drawn} pictures drawn, the notebook has {pictures}"
    tables = sum("".join(o["data"]["text/html"]).count("<table") for o in outs if "text/html" in o.get("data", {}))
    assert page.locator(".jp-OutputArea-output[data-mime-type='text/html'] table").count() == tables, path

    # where a widget can't run, what the notebook saved for that case: its first picture (counted with the
    # figures above), or else the sentence saying what it is
    texts = page.locator(".jp-OutputArea-output[data-mime-type='text/plain']").all_inner_texts()
    for o in outs:
        if WIDGET_VIEW in o.get("data", {}) and "image/png" not in o["data"]:
            sentence = "".join(o["data"]["text/plain"]).strip()
            assert any(sentence in t for t in texts), f"{path}: widget sentence missing: {sentence!r}"
    assert page.locator("script[type='application/vnd.jupyter.widget-view+json']").count() == 0

    # math is typeset (MathML), no raw LaTeX left in the prose
    prose = " ".join(page.locator(".jp-MarkdownCell").all_inner_texts())
    assert not re.search(r"\$[^$\s][^$]*\\[a-zA-Z]+[^$]*\$", prose), f"{path}: LaTeX left untypeset"
    if re.search(r"\$[^$\n]+\$", _markdown(nb)):
        assert page.locator(".jp-MarkdownCell math").count() > 0, path


def _teaching_page(word: str) -> str:
    """The notebook that teaches `word`: the one with a heading naming it, else the one naming it most."""
    counts = {}
    for path in NOTEBOOK_PATHS:
        text = _markdown(json.loads((ROOT / path).read_text(encoding="utf-8")))
        if re.search(rf"^#+ .*{re.escape(word)}", text, re.I | re.M):
            return path
        counts[path] = text.lower().count(word)
    return max(counts, key=counts.get)


def settled_results(page, timeout: float = 20) -> list[str]:
    """The search results' links once the list stops changing (the same three reads in a row, 0.25 s apart)."""
    deadline, last, same = time.monotonic() + timeout, None, 0
    while time.monotonic() < deadline:
        hrefs = page.evaluate("() => [...document.querySelectorAll('.md-search-result__item a')].map(a => a.href)")
        same = same + 1 if hrefs and hrefs == last else 0
        if same >= 2:
            return hrefs
        last = hrefs
        page.wait_for_timeout(250)
    return last or []


def test_search_finds_cross_entropy_on_the_page_that_teaches_it(page, base):
    expected = base + page_url(_teaching_page("cross-entropy"))
    problems = visit(page, base)
    page.locator("input.md-search__input").click()
    page.keyboard.type("cross-entropy")  # as a reader types it; results are redrawn after each key
    assert page.locator("input.md-search__input").input_value() == "cross-entropy"
    hrefs = settled_results(page)
    assert hrefs, "search found nothing"
    assert urldefrag(hrefs[0])[0].split("?")[0] == expected, f"first result {hrefs[0]}, expected {expected}"
    section = next((h for h in hrefs if h.startswith(expected) and "#cross-entropy" in h), None)
    assert section, f"no result for a cross-entropy section of {expected}: {hrefs}"
    page.screenshot(path=str(ARTIFACTS / "search_cross_entropy.png"))
    problems += visit(page, section)
    anchor = urldefrag(section)[1]
    assert page.locator(f"[id='{anchor}']").count() == 1
    assert not problems, problems


def test_screenshots_of_the_home_page_and_a_lesson(page, base):
    visit(page, base)
    page.screenshot(path=str(ARTIFACTS / "home.png"), full_page=True)
    lesson = _teaching_page("cross-entropy")
    visit(page, base + page_url(lesson))
    page.screenshot(path=str(ARTIFACTS / "lesson.png"))
    for name in ("home.png", "lesson.png"):
        assert (ARTIFACTS / name).stat().st_size > 10_000
