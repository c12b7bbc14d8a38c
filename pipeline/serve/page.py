"""The page (``GET /``): paste or drop an article, read it side by side, download it.

One HTML file with its style and script inlined (``page.html``, ``page.css``, ``page.js``) and
no other asset. The result is the HTML viewer that ``pipeline translate`` writes, shown in a
sandboxed ``srcdoc`` frame; JSONL, TSV, TMX and HTML are offered as downloads of that same
result. The Content-Security-Policy allows exactly the page's and the viewer's inlined code
(by hash), requests to this server, and nothing else.
"""

from __future__ import annotations

import functools
from html import escape
from importlib import resources

from .._version import __version__
from ..formats.html import csp_hash, csp_sources
from .service import NAMES, Service


@functools.lru_cache(maxsize=1)
def _assets() -> tuple[str, str, str]:
    files = resources.files(__package__)
    return tuple(files.joinpath(name).read_text(encoding="utf-8")
                 for name in ("page.html", "page.css", "page.js"))


def csp() -> str:
    """The page's Content-Security-Policy (the viewer frame inherits it)."""
    _, css, js = _assets()
    viewer_css, viewer_js = csp_sources()
    return (f"default-src 'none'; script-src {csp_hash(js)} {viewer_js}; "
            f"style-src {csp_hash(css)} {viewer_css}; connect-src 'self'; img-src data:; "
            "base-uri 'none'; form-action 'none'; frame-ancestors 'none'")


def _options(codes: list[str], auto: bool = False) -> str:
    items = ['<option value="auto">Detect</option>'] if auto else []
    items += [f'<option value="{escape(c)}">{escape(NAMES.get(c, c))}</option>' for c in codes]
    return "".join(items)


def render(svc: Service) -> tuple[str, str]:
    """The page for ``svc`` (its languages; a key field when it needs a key) and its CSP."""
    template, css, js = _assets()
    sources = svc.sources
    targets = list(dict.fromkeys(t for s in sources for t in svc.targets(s)))
    key = ('<label>API key <input type="password" id="key" autocomplete="off"></label>'
           if svc.settings.api_keys is not None else "")
    # the default source first, "Detect" after it
    source_options = _options(sources[:1]) + _options(sources[1:], auto=True)
    html = (template.replace("{version}", escape(__version__)).replace("{sources}", source_options)
            .replace("{targets}", _options(targets)).replace("{key}", key)
            .replace("{css}", css).replace("{js}", js))
    return html, csp()
