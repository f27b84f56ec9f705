"""Message bodies (templates, comments, replies, inbound mail): sanitised HTML and a plain-text
fallback, whatever the editor mode they were written in. The one sanitiser: ticketing's bodies and the
mail gateway's parser both use it.

Remote content is never loaded by default. An `<img>` survives only when its source is a `cid:`
reference (an inline image carried as a part of the same message); any other image is replaced by
its alt text. A remote image is a read receipt in disguise: rendered in the console it tells a
stranger when and from where an operator opened a message, and in a sent template it puts a
third-party tracker into every reply. An image with its source stripped would show as a broken
box in the editor, so it becomes its alt text in brackets (`[ACME logo]`), what a mail client that
blocks images shows anyway; one without alt text disappears.
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from html.parser import HTMLParser
from typing import Literal

import nh3

BodyFormat = Literal["html", "rich_text", "plain_text"]

MAX_BODY_BYTES = 512 * 1024

ALLOWED_TAGS = frozenset(
    {
        "a", "b", "blockquote", "br", "caption", "code", "dd", "del", "div", "dl", "dt", "em",
        "h1", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "ins", "li", "mark", "ol", "p",
        "pre", "s", "small", "span", "strike", "strong", "sub", "sup", "table", "tbody", "td",
        "tfoot", "th", "thead", "tr", "u", "ul",
    }
)  # fmt: skip
# No `style` or `class` anywhere: CSS can load remote content (`url(...)`) and restyle the console.
ALLOWED_ATTRIBUTES = {
    "*": {"dir", "lang", "title"},
    "a": {"href"},
    "img": {"src", "alt", "width", "height"},
    "ol": {"start"},
    "td": {"colspan", "rowspan"},
    "th": {"colspan", "rowspan"},
}
# Removed together with everything inside them, not only unwrapped.
DROPPED_WITH_CONTENT = frozenset(
    {
        "applet", "embed", "frame", "frameset", "head", "iframe", "math", "noscript", "object",
        "script", "style", "svg", "template", "title",
    }
)  # fmt: skip
# `cid` is only ever kept on images (see _keep_attribute); relative URLs mean nothing in a message.
URL_SCHEMES = frozenset({"http", "https", "mailto", "tel", "cid"})

_IMAGE = re.compile(r'<img((?: [a-z-]+="[^"]*")*)>')
_ATTRIBUTE = re.compile(r'([a-z-]+)="([^"]*)"')
_SPACES = re.compile(r"[ \t\n\r\f]+")
_BLANK_LINES = re.compile(r"\n{3,}")
_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n+")


@dataclass(frozen=True)
class Body:
    html: str
    text: str


def render_body(body: str, body_format: BodyFormat) -> Body:
    """Both renderings of a body: `html` and `rich_text` are HTML (the rich-text editor produces
    HTML), `plain_text` is text."""
    if body_format == "plain_text":
        text = normalise_newlines(body)
        return Body(html=sanitise_html(text_to_html(text)), text=text)
    safe = sanitise_html(body)
    return Body(html=safe, text=html_to_text(safe))


def is_empty(body: Body) -> bool:
    """Nothing a reader would see: no text and no inline image."""
    return not body.text.strip() and "<img" not in body.html


def sanitise_html(value: str) -> str:
    cleaned = nh3.clean(
        value,
        tags=set(ALLOWED_TAGS),
        clean_content_tags=set(DROPPED_WITH_CONTENT),
        attributes={tag: set(names) for tag, names in ALLOWED_ATTRIBUTES.items()},
        attribute_filter=_keep_attribute,
        url_schemes=set(URL_SCHEMES),
        url_relative="deny",
        link_rel="noopener noreferrer",
        strip_comments=True,
    )
    # nh3's serialiser escapes quotes and angle brackets inside attribute values, so on its output
    # an image tag is exactly what _IMAGE matches.
    return _IMAGE.sub(_inline_image_or_alt_text, cleaned)


def html_to_text(value: str) -> str:
    """A readable plain-text rendering of sanitised HTML: paragraphs, line breaks, list items,
    quotes, and link targets after the link text."""
    writer = _TextWriter()
    writer.feed(value)
    writer.close()
    return writer.result()


def text_to_html(value: str) -> str:
    """Blank lines separate paragraphs; single line breaks stay line breaks."""
    paragraphs = [p for p in _PARAGRAPH_BREAK.split(normalise_newlines(value).strip("\n")) if p.strip()]
    return "".join(f"<p>{html.escape(p, quote=False).replace(chr(10), '<br>')}</p>" for p in paragraphs)


def normalise_newlines(value: str) -> str:
    return value.replace("\r\n", "\n").replace("\r", "\n")


def _keep_attribute(tag: str, attribute: str, value: str) -> str | None:
    if attribute == "src":
        return value if tag == "img" and value.strip().lower().startswith("cid:") else None
    if attribute == "href" and value.strip().lower().startswith("cid:"):
        return None
    return value


def _inline_image_or_alt_text(match: re.Match[str]) -> str:
    attributes = dict(_ATTRIBUTE.findall(match.group(1)))
    if "src" in attributes:
        return match.group(0)
    # The value is still escaped as nh3 wrote it, which is also valid escaped text.
    alt = attributes.get("alt", "").strip()
    return f"[{alt}]" if alt else ""


_BLOCKS = {"div", "dl", "dt", "dd", "tr", "caption", "thead", "tbody", "tfoot"}
_PARAGRAPHS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "blockquote", "pre", "table"}


class _TextWriter(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.breaks = 0
        self.line_start = True
        self.quote_depth = 0
        self.written_depth = 0
        self.pre_depth = 0
        self.lists: list[list[int]] = []  # per open list: [is_ordered, next number]
        self.marker = ""
        self.links: list[tuple[str, int]] = []
        self.cells = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = {name: value or "" for name, value in attrs}
        if tag == "br":
            self.breaks += 1
            self.line_start = True
        elif tag == "hr":
            self._block(1)
            self._write("-" * 20)
            self._block(1)
        elif tag in ("ul", "ol"):
            self._block(2 if not self.lists else 1)
            start = int(attributes["start"]) if attributes.get("start", "").isdigit() else 1
            self.lists.append([tag == "ol", start])
        elif tag == "li":
            self._block(1)
            current = self.lists[-1] if self.lists else [False, 1]
            bullet = f"{current[1]}. " if current[0] else "- "
            current[1] += 1
            self.marker = "  " * max(len(self.lists) - 1, 0) + bullet
        elif tag == "blockquote":
            self._block(2)
            self.quote_depth += 1
        elif tag == "pre":
            self._block(2)
            self.pre_depth += 1
        elif tag in _PARAGRAPHS:
            self._block(2)
        elif tag == "tr":
            self._block(1)
            self.cells = 0
        elif tag in ("td", "th"):
            if self.cells:
                self._write(" | ")
            self.cells += 1
        elif tag in _BLOCKS:
            self._block(1)
        elif tag == "a":
            self.links.append((attributes.get("href", ""), len(self.out)))
        elif tag == "img" and attributes.get("alt", "").strip():
            self._text(f"[{attributes['alt'].strip()}]")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("ul", "ol"):
            if self.lists:
                self.lists.pop()
            self._block(2 if not self.lists else 1)
        elif tag == "blockquote":
            self._block(2)
            self.quote_depth = max(self.quote_depth - 1, 0)
        elif tag == "pre":
            self.pre_depth = max(self.pre_depth - 1, 0)
            self._block(2)
        elif tag in _PARAGRAPHS:
            self._block(2)
        elif tag == "li" or tag in _BLOCKS:
            self._block(1)
        elif tag == "a" and self.links:
            self._end_link(*self.links.pop())

    def handle_data(self, data: str) -> None:
        if self.pre_depth:
            lines = data.split("\n")
            for number, line in enumerate(lines):
                if number:
                    self.breaks += 1
                    self.line_start = True
                if line:
                    self._write(line)
        else:
            self._text(data)

    def result(self) -> str:
        text = "".join(self.out).replace("\xa0", " ")
        text = "\n".join(line.rstrip() for line in text.split("\n"))
        return _BLANK_LINES.sub("\n\n", text).strip("\n")

    def _text(self, data: str) -> None:
        text = _SPACES.sub(" ", data)
        if self.line_start or self.breaks or (self.out and self.out[-1].endswith(" ")):
            text = text.lstrip(" ")
        if text:
            self._write(text)

    def _write(self, text: str) -> None:
        if self.out and self.breaks:
            # A blank line belongs to a quote only when the lines on both sides of it do.
            blank = ">" * min(self.quote_depth, self.written_depth)
            self.out.append(("\n" + blank) * (self.breaks - 1) + "\n" + "> " * self.quote_depth)
        elif not self.out and self.quote_depth:
            self.out.append("> " * self.quote_depth)
        self.breaks = 0
        if self.marker:
            self.out.append(self.marker)
            self.marker = ""
        self.out.append(text)
        self.line_start = False
        self.written_depth = self.quote_depth

    def _block(self, breaks: int) -> None:
        if self.out:
            self.breaks = max(self.breaks, breaks)
        self.line_start = True

    def _end_link(self, href: str, start: int) -> None:
        label = "".join(self.out[start:]).strip()
        target = href.removeprefix("mailto:") if href.startswith("mailto:") else href
        if href and target != label and href != label:
            self._write(f" ({href})" if label else href)
