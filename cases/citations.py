"""
Citation markup: `[[cite:SOURCE-KEY]]` or `[[cite:SOURCE-KEY|locator]]` inside Markdown.

Rendering turns each citation into a numbered footnote marker that links to the page's
References list. One `References` collects the markers of a whole page, so a source cited in the
summary, the body and the infobox keeps one number, in order of first use, with a link back to
every place that cites it. Markdown output is sanitised with nh3: raw HTML, event handlers and
`javascript:` links never reach a reader.
"""

import html as html_lib
import re
import secrets
import threading
from dataclasses import dataclass, field

import markdown
import nh3
from django.core.exceptions import ValidationError
from django.utils.html import format_html
from django.utils.safestring import mark_safe

CITE_PATTERN = re.compile(r"\[\[cite:(?P<key>[^\]|]*)(?:\|(?P<locator>[^\]]*))?\]\]")
# Anything that opens like a citation, so that a malformed one is reported rather than shown.
CITE_OPENING = re.compile(r"\[\[\s*cite\s*:", re.IGNORECASE)
KEY_FORMAT = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_LOCATOR_LENGTH = 100

ALLOWED_TAGS = {
    "a",
    "abbr",
    "blockquote",
    "br",
    "code",
    "em",
    "h2",
    "h3",
    "h4",
    "hr",
    "li",
    "ol",
    "p",
    "pre",
    "strong",
    "sub",
    "sup",
    "table",
    "tbody",
    "td",
    "th",
    "thead",
    "tr",
    "ul",
}
ALLOWED_ATTRIBUTES = {"a": {"href", "title"}, "h2": {"id"}, "h3": {"id"}, "h4": {"id"}, "abbr": {"title"}}


@dataclass(frozen=True)
class CiteRef:
    key: str
    locator: str


def parse_citations(text):
    """The citations in a text, in order. Raise ValidationError for malformed markup."""
    text = text or ""
    refs, errors = [], []
    for match in CITE_PATTERN.finditer(text):
        key = match.group("key").strip()
        locator = (match.group("locator") or "").strip()
        if not KEY_FORMAT.match(key):
            errors.append(
                f"“{match.group(0)}” has no valid source key: keys use lower-case letters, "
                "digits and hyphens, e.g. [[cite:unsc-res-1270-1999]]."
            )
        elif len(locator) > MAX_LOCATOR_LENGTH:
            errors.append(f"The locator in “[[cite:{key}|…]]” is longer than {MAX_LOCATOR_LENGTH} characters.")
        else:
            refs.append(CiteRef(key, locator))
    openings = len(CITE_OPENING.findall(text))
    if openings > len(CITE_PATTERN.findall(text)):
        errors.append("A citation is not closed or not written as [[cite:KEY]] / [[cite:KEY|locator]].")
    if errors:
        raise ValidationError(errors)
    return refs


def cited_keys(*texts):
    keys = []
    for text in texts:
        for match in CITE_PATTERN.finditer(text or ""):
            key = match.group("key").strip()
            if KEY_FORMAT.match(key) and key not in keys:
                keys.append(key)
    return keys


def validate_citations(text):
    """Validator for Markdown fields: every cited key must name an existing source."""
    from cases.models import Source

    keys = [ref.key for ref in parse_citations(text)]
    if not keys:
        return
    known = set(Source.objects.filter(key__in=keys).values_list("key", flat=True))
    unknown = sorted(set(keys) - known)
    if unknown:
        plural = "s" if len(unknown) > 1 else ""
        raise ValidationError(
            f"Unknown source key{plural}: {', '.join(unknown)}. "
            "Add the source under Sources first, or check the spelling.",
            code="unknown_source",
        )


@dataclass
class Reference:
    number: int
    source: object
    backlinks: list = field(default_factory=list)


class References:
    """The numbered references of one page, in order of first use."""

    def __init__(self, sources_by_key):
        self.sources_by_key = sources_by_key
        self._by_key = {}

    def cite(self, key, locator=""):
        source = self.sources_by_key.get(key)
        if source is None:
            # An unpublished or removed source: say so rather than link to nothing.
            return mark_safe('<sup class="fn fn-missing">[citation unavailable]</sup>')
        reference = self._by_key.get(key)
        if reference is None:
            reference = Reference(number=len(self._by_key) + 1, source=source)
            self._by_key[key] = reference
        anchor = f"cite-{reference.number}-{len(reference.backlinks) + 1}"
        reference.backlinks.append(anchor)
        locator_html = format_html('<span class="fn-locator">, {}</span>', locator) if locator else ""
        return format_html(
            '<sup class="fn" id="{}"><a href="#ref-{}" data-ref="{}" aria-label="Reference {}{}">[{}{}]</a></sup>',
            anchor,
            reference.number,
            reference.number,
            reference.number,
            f", {locator}" if locator else "",
            reference.number,
            locator_html,
        )

    def cite_all(self, citations):
        """Markers for Citation rows (infobox facts, timeline events, contributions...)."""
        return mark_safe("".join(self.cite(c.source.key, c.locator) for c in citations))

    def render(self, text):
        return render_markdown(text, self)

    @property
    def entries(self):
        return sorted(self._by_key.values(), key=lambda reference: reference.number)

    def __len__(self):
        return len(self._by_key)


@dataclass
class RenderedText:
    html: str
    headings: list

    def __str__(self):
        return self.html

    def __html__(self):
        return self.html


def render_markdown(text, references):
    """Markdown with citations to sanitised HTML, plus its ## headings for a table of contents."""
    nonce = secrets.token_hex(4)
    markers = []

    def placeholder(match):
        key = match.group("key").strip()
        locator = (match.group("locator") or "").strip()[:MAX_LOCATOR_LENGTH]
        markers.append((key, locator))
        return f"pkcite{nonce}x{len(markers) - 1}x"

    source_text = CITE_PATTERN.sub(placeholder, text or "")
    converter = _markdown_converter()
    html = nh3.clean(
        converter.convert(source_text),
        tags=ALLOWED_TAGS,
        attributes=ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer nofollow",
    )
    headings = [
        {"id": token["id"], "name": html_lib.unescape(_strip_placeholders(token["name"], nonce))}
        for token in converter.toc_tokens
    ]

    def marker(match):
        if match.group("nonce") != nonce:
            return match.group(0)  # not one of ours: text that only looks like a stand-in
        key, locator = markers[int(match.group("index"))]
        if not KEY_FORMAT.match(key):
            return ""
        return str(references.cite(key, locator))

    html = PLACEHOLDER_PATTERN.sub(marker, html)
    return RenderedText(mark_safe(html), headings)


# A citation's stand-in while Markdown runs. The nonce is new for each text, so a stand-in
# typed by an author never turns into a citation. One fixed pattern: compiled once.
PLACEHOLDER_PATTERN = re.compile(r"pkcite(?P<nonce>[0-9a-f]+)x(?P<index>\d+)x")
_converters = threading.local()


def _markdown_converter():
    """This thread's Markdown converter, reset: building one costs more than most conversions."""
    converter = getattr(_converters, "markdown", None)
    if converter is None:
        converter = _converters.markdown = markdown.Markdown(
            extensions=["toc", "tables", "sane_lists"],
            extension_configs={"toc": {"toc_depth": "2-2", "slugify": _slugify_heading}},
        )
    return converter.reset()


def _strip_placeholders(value, nonce):
    return re.sub(rf"\s*pkcite{nonce}x\d+x", "", value).strip()


def _slugify_heading(value, separator):
    from django.utils.text import slugify

    value = re.sub(r"pkcite[0-9a-f]+x\d+x", "", value)
    return "section-" + (slugify(value) or "untitled")
