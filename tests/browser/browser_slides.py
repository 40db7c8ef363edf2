"""The slide decks (`make slides`, classroom/slides.py) in headless Chromium, served offline.

Each deck in slides/ must load with no JavaScript error, no console error, no failed request and
no request to another host; reveal.js must start with more than 10 slides; every figure on its
slides must be drawn (an <img> with a decoded size). A screenshot of each deck's first slide with a
figure goes to artifacts/slides/ (ignored by git). `make browser-test` builds the decks first.
"""

from __future__ import annotations

import functools
import threading
from http.server import ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from labdriver import QuietHandler, chromium_page

ROOT = Path(__file__).resolve().parent.parent.parent
SLIDES = ROOT / "slides"
ARTIFACTS = ROOT / "artifacts" / "slides"
DECKS = [nb.stem + ".slides.html" for nb in sorted((ROOT / "notebooks").glob("[0-9]*.ipynb"))]


@pytest.fixture(scope="module")
def base() -> str:
    missing = [d for d in DECKS if not (SLIDES / d).is_file()]
    if missing:
        pytest.fail(f"slides/ lacks {', '.join(missing)}: run `make slides` first (`make browser-test` does)")
    server = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(SLIDES)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("deck", DECKS)
def test_deck_loads_offline_with_its_slides_and_figures(base: str, deck: str):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    with chromium_page(width=1280, height=800) as page:
        def route(r):
            if urlsplit(r.request.url).hostname not in ("127.0.0.1", None):
                problems.append(f"request to another host (blocked): {r.request.url[:150]}")
                return r.abort()
            return r.continue_()

        page.route("**/*", route)
        page.on("pageerror", lambda e: problems.append(f"JavaScript error: {e.message}"))
        page.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
        page.on("requestfailed", lambda r: problems.append(f"request failed: {r.url[:150]}"))
        page.on("response", lambda r: problems.append(f"HTTP {r.status}: {r.url}") if r.status >= 400 else None)
        page.goto(base + deck, wait_until="load")
        page.wait_for_function("() => window.Reveal && Reveal.isReady && Reveal.isReady()", timeout=20_000)
        total = page.evaluate("() => Reveal.getTotalSlides()")
        images = page.evaluate("""() => Array.from(document.querySelectorAll('.reveal .slides img')).map(
            img => [img.complete, img.naturalWidth])""")
        assert total > 10, f"{deck}: {total} slides"
        assert images, f"{deck}: no figure on any slide"
        assert all(done and width > 0 for done, width in images), f"{deck}: a figure was not drawn: {images}"
        # the first slide that holds a figure, as a teacher would show it (fragments revealed)
        index = page.evaluate("""() => { const s = document.querySelector('.reveal .slides img').closest('section');
            return Reveal.getIndices(s); }""")
        page.evaluate("(i) => { Reveal.slide(i.h, i.v); while (Reveal.nextFragment()) {} }", index)
        page.wait_for_timeout(300)
        page.screenshot(path=str(ARTIFACTS / deck.replace(".slides.html", ".png")))
        assert not problems, f"{deck}:\n" + "\n".join(problems)
