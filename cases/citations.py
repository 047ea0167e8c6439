"""
Citation markup, `[[cite:SOURCE-KEY]]` or `[[cite:SOURCE-KEY|locator]]` inside Markdown, and the
rendering of Markdown to HTML in two steps.

1. When a record is saved, `render_markdown` turns its Markdown into sanitised HTML, once. The
   parser is GitHub's cmark-gfm: written in C with linear-time guarantees, so no text, however
   crafted, makes rendering slow (the pure-Python parsers took seconds on 100 KB of brackets).
   Citations become empty `<sup data-cite=… data-locator=…>` elements, inserted into text only:
   a citation written inside a link's address or title is dropped, never put in an attribute.
2. When a page is shown, `References.render` numbers those elements across the whole page, so a
   source cited in the summary, the body and the infobox keeps one number, in order of first
   use, with a link back to every place that cites it. The final HTML is sanitised again with
   nh3: whatever the markers contain, raw HTML, event handlers and `javascript:` links never
   reach a reader.
"""

import html as html_lib
import re
from collections import Counter
from dataclasses import dataclass, field

import cmarkgfm
import nh3
from cmarkgfm.cmark import Options
from django.core.exceptions import ValidationError
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.text import slugify

from cases import wiki_links

# Bounded on purpose: a key is at most 80 characters and a locator at most 100, so a text full
# of unclosed openings costs one short look-ahead each, not a scan to the end of the text.
CITE_PATTERN = re.compile(r"\[\[cite:(?P<key>[^\]|\n]{0,100}+)(?:\|(?P<locator>[^\]\n]{0,150}+))?\]\]")
# Anything that opens like a citation, so that a malformed one is reported rather than shown.
CITE_OPENING = re.compile(r"\[\[\s*cite\s*:", re.IGNORECASE)
KEY_FORMAT = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MAX_LOCATOR_LENGTH = 100

TEXT_TAGS = {
    "a",
    "abbr",
    "blockquote",
    "br",
    "code",
    "del",
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
TEXT_ATTRIBUTES = {"a": {"href", "title"}, "h2": {"id"}, "abbr": {"title"}}
# What a stored rendering may hold: the text's own HTML, its citation and link elements.
STORED_ATTRIBUTES = {**TEXT_ATTRIBUTES, "a": {"href", "title", "data-link"}, "sup": {"data-cite", "data-locator"}}
# What a page may hold: the text's own HTML and the numbered footnote markers made from them.
PAGE_TAGS = TEXT_TAGS | {"span"}
PAGE_ATTRIBUTES = {
    **TEXT_ATTRIBUTES,
    "a": {"href", "title", "data-ref", "aria-label"},
    "sup": {"class", "id"},
    "span": {"class"},
}
URL_SCHEMES = {"http", "https", "mailto"}
LINK_REL = "noopener noreferrer nofollow"


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
                f"“{match.group(0)[:140]}” has no valid source key: keys use lower-case letters, "
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
        raise ValidationError(errors[:10])
    return refs


def cited_keys(*texts):
    keys = []
    for text in texts:
        for match in CITE_PATTERN.finditer(text or ""):
            key = match.group("key").strip()
            if KEY_FORMAT.match(key) and key not in keys:
                keys.append(key)
    return keys


# -- step 1, on save: Markdown to stored HTML ------------------------------------------------

# A citation's stand-in while Markdown runs: two private-use characters around its index. They
# mean nothing in text (typed ones are removed first), and cmark percent-encodes them in a link
# address, so a stand-in left there can never be mistaken for a citation.
STAND_IN_OPEN, STAND_IN_CLOSE = "\ue000", "\ue001"
STAND_IN = re.compile(f"{STAND_IN_OPEN}(\\d+){STAND_IN_CLOSE}")
# The same, as cmark writes it in a link's address (UTF-8, percent-encoded).
ENCODED_STAND_IN = re.compile(r"%EE%80%80\d+%EE%80%81")
# cmark's output is regular: inside a tag, attribute values have `<`, `>` and quotes escaped, so
# a tag runs from `<` to the next `>`. A stand-in inside one was written in an attribute.
TAG_OR_STAND_IN = re.compile(f"<[^>]*{STAND_IN_OPEN}[^>]*>|{STAND_IN.pattern}")
# Quotes nested deeper than anyone writes make the sanitiser's tree slow to build: from this
# depth on, a `>` at the start of a line is text.
MAX_QUOTE_DEPTH = 20
DEEP_QUOTE = re.compile(rf"^((?:[ \t]*>){{{MAX_QUOTE_DEPTH}}})(?=[ \t]*>)", re.MULTILINE)
HEADING = re.compile(r"<h2>(.*?)</h2>", re.DOTALL)
STORED_CITATION = re.compile(r'<sup data-cite="([^"]*)" data-locator="([^"]*)"></sup>')
TAG = re.compile(r"<[^>]*>")


def render_markdown(text):
    """
    A Markdown text as stored HTML: {"html": ..., "headings": [{"id", "name"}]}, the ## headings
    being the table of contents. Raw HTML in the text is dropped, not shown.
    """
    text = (text or "").replace(STAND_IN_OPEN, "").replace(STAND_IN_CLOSE, "")
    # The element each stand-in becomes once Markdown has run: citations, then links to pages.
    elements = []

    def stand_in(element):
        elements.append(element)
        return f"{STAND_IN_OPEN}{len(elements) - 1}{STAND_IN_CLOSE}"

    def citation(match):
        key, locator = (match.group("key") or "").strip(), (match.group("locator") or "").strip()
        if not KEY_FORMAT.match(key):
            return stand_in("")
        return stand_in(format_html('<sup data-cite="{}" data-locator="{}"></sup>', key, locator[:MAX_LOCATOR_LENGTH]))

    def link(match):
        # A citation inside a link's words is dropped with its stand-in: the words are plain text.
        words = STAND_IN.sub("", match.group("label") or "").strip()
        return stand_in(wiki_links.stored_element(match.group("kind"), match.group("slug").strip(), words))

    text = wiki_links.LINK_PATTERN.sub(link, CITE_PATTERN.sub(citation, text))
    text = DEEP_QUOTE.sub(r"\1\\", text)
    html = cmarkgfm.markdown_to_html_with_extensions(
        text, options=Options.CMARK_OPT_DEFAULT, extensions=["table", "strikethrough"]
    )

    def element(match):
        if match.group(0).startswith("<"):
            # Written inside a link's address or title: dropped.
            return ENCODED_STAND_IN.sub("", STAND_IN.sub("", match.group(0)))
        return elements[int(match.group(1))]

    if elements:
        html = TAG_OR_STAND_IN.sub(element, html)
    headings, html = _heading_ids(html)
    html = nh3.clean(html, tags=TEXT_TAGS, attributes=STORED_ATTRIBUTES, url_schemes=URL_SCHEMES, link_rel=LINK_REL)
    return {"html": html, "headings": headings}


def _heading_ids(html):
    """Give each ## heading an id from its words ("section-background"), unique in the text."""
    headings, used = [], Counter()

    def with_id(match):
        name = html_lib.unescape(TAG.sub("", match.group(1))).strip()
        base = "section-" + (slugify(name) or "untitled")
        used[base] += 1
        anchor = base if used[base] == 1 else f"{base}-{used[base]}"
        headings.append({"id": anchor, "name": name})
        return f'<h2 id="{anchor}">{match.group(1)}</h2>'

    return headings, HEADING.sub(with_id, html)


# -- step 2, on a page: stored HTML to numbered footnotes -----------------------------------


@dataclass
class Reference:
    number: int
    source: object
    backlinks: list = field(default_factory=list)


class References:
    """
    The numbered references of one page, in order of first use; and the pages its text links to
    that readers may see ({(kind, slug): wiki_links.LinkTarget}), each link to any other page
    shown as plain words.
    """

    def __init__(self, sources_by_key, links=None):
        self.sources_by_key = sources_by_key
        self.links = links or {}
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

    def number_of(self, key):
        """The number of a source this page has already cited, or None: for links to its reference."""
        reference = self._by_key.get(key)
        return reference.number if reference else None

    def cite_all(self, citations):
        """Markers for Citation rows (infobox facts, timeline events, contributions...)."""
        return mark_safe("".join(self.cite(c.source.key, c.locator) for c in citations))

    def render(self, stored):
        """A stored rendering (see render_markdown) with its citations numbered for this page."""
        stored = stored or {"html": "", "headings": []}

        def marker(match):
            return str(self.cite(html_lib.unescape(match.group(1)), html_lib.unescape(match.group(2))))

        html = nh3.clean(
            wiki_links.resolve(STORED_CITATION.sub(marker, stored["html"]), self.links),
            tags=PAGE_TAGS,
            attributes=PAGE_ATTRIBUTES,
            url_schemes=URL_SCHEMES,
            link_rel=LINK_REL,
        )
        return RenderedText(mark_safe(html), stored["headings"])

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
