"""MkDocs hooks for the course website (website/build.py writes mkdocs.yml with `hooks: [this file]`).

* Math in the notebooks' Markdown becomes MathML when the page is built (latex2mathml), which
  Chromium, Firefox and Safari draw natively: no MathJax, so nothing to fetch from a CDN.
* nbconvert's page fragments come with loaders for MathJax and Mermaid from a CDN: removed, so the
  site never asks another host for anything.
* Links between notebooks (`02_pixel_similarity.ipynb`) become links to their pages, and links to
  other files of the repository point at GitHub: MkDocs rewrites links in Markdown pages, not in a
  notebook's HTML.
* A notebook page's table of contents is read from its own headings, so that its links are the
  headings' ids (mkdocs-jupyter's drops the code from a heading's text, e.g. "Your turn: write", and
  with it the link to "Your turn: write `relu`").
* Each notebook page gets its buttons under its title: Open in Colab, Download notebook, View on
  GitHub, built by website/build.py from pyproject.toml's address (mkdocs.yml's `extra.notebook_links`).
"""

from __future__ import annotations

import html
import re
import sys
from pathlib import Path

from latex2mathml.converter import convert as latex_to_mathml
from nbconvert.filters.markdown_mistune import IPythonRenderer

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from website.build import ROOT, resolve  # noqa: E402

MATH_FAILED: list[str] = []  # LaTeX that latex2mathml could not convert: the build fails, naming it


def _mathml(body: str, display: str) -> str:
    try:
        # a thin space after a function's name, as TeX sets \log x (latex2mathml leaves none)
        return FUNCTION.sub(r'\1<mspace width="0.167em"></mspace>', latex_to_mathml(body.strip(), display=display))
    except Exception as e:  # noqa: BLE001 - any failure is reported by on_post_build
        MATH_FAILED.append(f"{body!r}: {e}")
        return f"<code>{html.escape(body)}</code>"


def _inline_math(self, body: str) -> str:
    return _mathml(body, "inline")


def _block_math(self, body: str) -> str:
    return _mathml(body, "block")


def _multiline_math(self, text: str) -> str:
    inner = re.fullmatch(r"\s*\$\$(.*)\$\$\s*", text, re.S)
    return _mathml(inner[1], "block") if inner else text


IPythonRenderer.inline_math = _inline_math
IPythonRenderer.block_math = _block_math
IPythonRenderer.multiline_math = _multiline_math

MATHJAX = re.compile(r"<!-- Load mathjax -->.*?<!-- End of mathjax configuration -->", re.S)
SCRIPT = re.compile(r"<script\b[^>]*>.*?</script>", re.S | re.I)
OUTSIDE = re.compile(r"""(?:src=["']?(?:https?:)?//|import\(["']https?://|["']https?://[^"']*\.m?js["'])""", re.I)
HREF = re.compile(r'(\bhref=")([^"]+)(")')
HEADING = re.compile(r'<h([1-6])\b[^>]*\bid="([^"]+)"[^>]*>(.*?)</h\1>', re.S | re.I)
TOC_DEPTH = 3
FUNCTION = re.compile(r'(<mi>(?:log|exp|ln|sin|cos|tan|tanh)</mi>)(?!<mo stretchy="false">&#x00028;|</m)')


def strip_cdn_scripts(content: str) -> str:
    content = MATHJAX.sub("", content)
    return SCRIPT.sub(lambda m: "" if OUTSIDE.search(m[0]) else m[0], content)


def _fix_links(content: str, page, files, url: str) -> str:
    src = page.file.src_uri
    in_site = {f.src_uri for f in files.documentation_pages()}

    def fix(m: re.Match) -> str:
        target = m[2]
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.I) or target.startswith(("#", "/")):
            return m[0]
        path, hash_, fragment = html.unescape(target).partition("#")
        resolved = Path(src).parent.joinpath(path).as_posix()
        file = files.get_file_from_path(_normalize(resolved))
        if file is not None and file.is_documentation_page():
            return f"{m[1]}{file.url_relative_to(page.file)}{hash_}{fragment}{m[3]}"
        new = resolve(target, src, ROOT, url, in_site)
        return f"{m[1]}{new}{m[3]}" if new else m[0]

    return HREF.sub(fix, content)


def _normalize(path: str) -> str:
    parts: list[str] = []
    for part in path.split("/"):
        if part == ".." and parts:
            parts.pop()
        elif part not in ("", "."):
            parts.append(part)
    return "/".join(parts)


def _toc_from_headings(content: str):
    """The page's table of contents, from the headings in its HTML (levels 1 to TOC_DEPTH)."""
    from mkdocs.structure.toc import get_toc

    root: list[dict] = []
    stack: list[dict] = []
    for level, anchor, inner in HEADING.findall(content):
        level = int(level)
        if level > TOC_DEPTH:
            continue
        inner = re.sub(r'<a class="anchor-link".*?</a>', "", inner, flags=re.S)
        name = html.escape(html.unescape(re.sub(r"<[^>]+>", "", inner)).strip())
        token = {"level": level, "id": html.unescape(anchor), "name": name, "children": []}
        while stack and stack[-1]["level"] >= level:
            stack.pop()
        (stack[-1]["children"] if stack else root).append(token)
        stack.append(token)
    return get_toc(root)


def _buttons(page, links: dict[str, str]) -> str:
    name = Path(page.file.src_uri).name
    return (
        '<div class="nb-launch">'
        f'<a class="md-button md-button--primary nb-colab" href="{html.escape(links["colab"])}" '
        f'title="Open {name} in Google Colab">Open in Colab</a> '
        f'<a class="md-button nb-download" href="{html.escape(links["download"])}" download="{name}" '
        f'title="Download {name}">Download notebook</a> '
        f'<a class="md-button nb-github" href="{html.escape(links["github"])}" '
        f'title="{name} on GitHub">View on GitHub</a>'
        "</div>")


def on_page_content(content: str, page, config, files) -> str:
    if not page.file.src_uri.endswith(".ipynb"):
        return content
    url = config["extra"]["repository"]
    links = config["extra"]["notebook_links"].get(page.file.src_uri)
    content = strip_cdn_scripts(content)
    content = _fix_links(content, page, files, url)
    page.toc = _toc_from_headings(content)
    if links:
        buttons = _buttons(page, links)
        end_h1 = content.find("</h1>")
        content = (content[:end_h1 + 5] + buttons + content[end_h1 + 5:]) if end_h1 >= 0 else buttons + content
    return content


def on_post_build(config) -> None:
    if MATH_FAILED:
        raise SystemExit("latex2mathml could not convert:\n" + "\n".join(MATH_FAILED))

