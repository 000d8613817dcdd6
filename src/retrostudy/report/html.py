"""The self-contained HTML report: one file, figures inline, no external requests.

Autoescaping is on for every value: titles, labels and notes come from the user's
protocol and data and are never trusted as markup. Figures are SVG data URIs inside
``<img>`` (an SVG in an image cannot run scripts), and a Content-Security-Policy forbids
any network access from the page.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from importlib import resources

from jinja2 import Environment, select_autoescape
from markupsafe import Markup, escape

from retrostudy.report.document import Document, FigureItem, Paragraph, TableItem


@dataclass(frozen=True, slots=True)
class _View:
    kind_: str
    text: str = ""
    css: str = ""
    table: object = None
    figure: object = None
    uri: str = ""


def _view(item) -> _View:
    if isinstance(item, Paragraph):
        return _View("paragraph", text=item.text, css=item.kind)
    if isinstance(item, TableItem):
        return _View("table", table=item.table)
    if isinstance(item, FigureItem):
        uri = "data:image/svg+xml;base64," + base64.b64encode(item.svg).decode("ascii")
        return _View("figure", figure=item.figure, uri=uri)
    raise TypeError(f"unknown report item {type(item).__name__}")


_LONG_WORD = re.compile(r"\S{20,}")
_BREAK_AFTER = re.compile(r"([_/]|\.(?=[^\d\s]))")


def _breakable(text: str) -> str:
    safe = str(escape(text))  # &amp; &lt; &gt; &#34; &#39; contain none of _ / .
    return _LONG_WORD.sub(lambda m: _BREAK_AFTER.sub(r"\1<wbr>", m.group(0)), safe)


# An http(s) URL in report text (a comparator's DOI or registry link), up to a space or
# a character that cannot end one; a trailing full stop or comma stays outside the link.
_URL = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:)]")


def breakable(text) -> str:
    """Escaped text with ``<wbr>`` after ``_``, ``/`` and non-decimal ``.`` in long words,
    and every http(s) URL a link (``rel="noopener"``, escaped ``href``).

    Dotted keys (``flow.excluded.received_neither_...``) and URLs have no spaces, so a
    table cell holding one cannot be narrower than the whole key; the break opportunities
    let the browser wrap it at a separator rather than push the table past the page.
    """
    text, out, at = str(text), [], 0
    for m in _URL.finditer(text):
        out.append(_breakable(text[at:m.start()]))
        href = str(escape(m.group(0)))
        out.append(f'<a href="{href}" rel="noopener">{_breakable(m.group(0))}</a>')
        at = m.end()
    out.append(_breakable(text[at:]))
    return Markup("".join(out))


_ESTIMATE_CI = re.compile(r"^(\S+) (\(.+\))$")


def estimate_ci(text) -> str:
    """Escaped numeric cell whose only break opportunity is between an estimate and its
    parenthesised CI: ``2.85 (1.41–5.75)`` may wrap as ``2.85`` over ``(1.41–5.75)`` in a
    narrow window, never inside the interval (browsers may break after an en dash)."""
    found = _ESTIMATE_CI.match(str(text))
    if found is None:
        return Markup(f'<span class="nb">{escape(text)}</span>')
    return Markup(f'<span class="nb">{escape(found.group(1))}</span> '
                  f'<span class="nb">{escape(found.group(2))}</span>')


def _environment():
    env = Environment(
        autoescape=select_autoescape(default=True, default_for_string=True),
        keep_trailing_newline=True,
    )
    env.filters["breakable"] = breakable
    env.filters["estimate_ci"] = estimate_ci
    return env


def render_html(doc: Document) -> str:
    source = (
        resources.files("retrostudy.report")
        .joinpath("templates/report.html.j2")
        .read_text(encoding="utf-8")
    )
    template = _environment().from_string(source)
    sections = [
        type("S", (), {"title": s.title, "anchor": s.anchor, "items": [_view(i) for i in s.items]})
        for s in doc.sections
    ]
    view = type(
        "D",
        (),
        {
            "title": doc.title,
            "subtitle": doc.subtitle,
            "synthetic": doc.synthetic,
            "sections": sections,
            "facts": doc.facts,
            "byline": doc.byline,
            "contents": doc.contents,
        },
    )
    return template.render(doc=view)
