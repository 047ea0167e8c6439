"""
Links between pages written in text: `[[case:SLUG]]`, `[[org:SLUG]]` and `[[challenge:SLUG]]`,
or with the words to show, `[[case:unomsil|the observer mission before it]]`.

They go the way citations go (cases/citations.py), in two steps:

1. When a record is saved, each text field's validator refuses a link to a page that does not
   exist, naming the link (models.validate_links); `render_markdown` stores each link as an
   `<a data-link="case:SLUG">words</a>` element, without an address or a title; and the link is
   written to the PageLink table that "What links here" reads (cases/derived.py).
2. When a page is shown, `References.render` turns each such element into a link to the page,
   named by the page's title as it is now, if readers may see that page; otherwise into plain
   text (the link's own words, or "[page not available]"), so an unpublished page is never
   revealed, not even its title.

Publishing a record whose text links to an unpublished page is refused, like citing an
unpublished source (`Publishable.publication_problems`): readers should not meet a link that
leads nowhere. Step 2 still checks at every showing, because a page can be unpublished after the
pages that link to it were published.

This module only reads and writes the markup: which pages exist is the models' business.
"""

import re
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.html import escape, format_html

# What each prefix links to: (the model's label, what an editor calls it).
KINDS = {
    "case": ("cases.CaseStudy", "case study"),
    "org": ("cases.Organization", "organisation"),
    "challenge": ("cases.Challenge", "challenge"),
}

# Bounded like citations: a slug is at most 50 characters (SlugField), the words at most 100,
# so a text full of unclosed openings costs one short look-ahead each.
LINK_PATTERN = re.compile(
    r"\[\[(?P<kind>case|org|challenge):(?P<slug>[^\]|\n]{0,100}+)(?:\|(?P<label>[^\]\n]{0,150}+))?\]\]"
)
# Anything that opens like a link, so that a malformed one is reported rather than shown.
LINK_OPENING = re.compile(r"\[\[\s*(?:case|org|challenge)\s*:", re.IGNORECASE)
SLUG_FORMAT = re.compile(r"^[-a-zA-Z0-9_]{1,50}$")
MAX_LABEL_LENGTH = 100

# The stored element (step 1) as render_markdown writes it, after sanitising.
STORED_LINK = re.compile(r'<a\b[^>]*?\sdata-link="(?P<target>(?:case|org|challenge):[^"]*)"[^>]*>(?P<label>[^<]*)</a>')
UNAVAILABLE = "[page not available]"


@dataclass(frozen=True)
class WikiLink:
    kind: str
    slug: str
    label: str = ""

    @property
    def target(self):
        return (self.kind, self.slug)

    @property
    def markup(self):
        return f"[[{self.kind}:{self.slug}]]"

    @property
    def kind_name(self):
        return KINDS[self.kind][1]


def parse_links(text):
    """The links in a text, in order. Raise ValidationError for malformed markup."""
    text = text or ""
    links, errors = [], []
    for match in LINK_PATTERN.finditer(text):
        slug = match.group("slug").strip()
        label = (match.group("label") or "").strip()
        if not SLUG_FORMAT.match(slug):
            errors.append(
                f"“{match.group(0)[:140]}” has no valid page: write the page's slug, letters, digits and "
                "hyphens, e.g. [[case:unamsil]] or [[org:un|the United Nations]]."
            )
        elif len(label) > MAX_LABEL_LENGTH:
            errors.append(
                f"The words of “[[{match.group('kind')}:{slug}|…]]” are longer than {MAX_LABEL_LENGTH} characters."
            )
        else:
            links.append(WikiLink(match.group("kind"), slug, label))
    if len(LINK_OPENING.findall(text)) > len(LINK_PATTERN.findall(text)):
        errors.append(
            "A link is not closed or not written as [[case:SLUG]], [[org:SLUG]] or [[challenge:SLUG]] "
            "(optionally with words: [[case:SLUG|words]])."
        )
    if errors:
        raise ValidationError(errors[:10])
    return links


def linked_targets(*texts):
    """The distinct (kind, slug) pairs that well-formed links in the texts point at, in order."""
    targets = {}
    for text in texts:
        for match in LINK_PATTERN.finditer(text or ""):
            slug = match.group("slug").strip()
            if SLUG_FORMAT.match(slug):
                targets.setdefault((match.group("kind"), slug), None)
    return list(targets)


def plain_words(match):
    """What a link reads as in plain text (search documents, snippets): its words, or the slug."""
    return (match.group("label") or "").strip() or match.group("slug").strip().replace("-", " ")


# -- step 1, on save -------------------------------------------------------------------------

# Pages that do not exist yet but will before the work at hand ends: the content loader saves
# records one by one, and a text may link to a page the files define further on.
_expected = ContextVar("expected_link_targets", default=frozenset())


@contextmanager
def expecting(targets):
    """Within the block, links to these (kind, slug) pairs are accepted as if the pages existed."""
    token = _expected.set(frozenset(targets))
    try:
        yield
    finally:
        _expected.reset(token)


def expected_targets():
    return _expected.get()


def stored_element(kind, slug, label):
    """The element render_markdown stores for a link: where it points, and its own words if any."""
    if not SLUG_FORMAT.match(slug):
        return ""
    return format_html('<a data-link="{}:{}">{}</a>', kind, slug, label[:MAX_LABEL_LENGTH])


# -- step 2, on a page -----------------------------------------------------------------------


def stored_targets(*htmls):
    """The (kind, slug) pairs the stored elements of some renderings point at."""
    targets = set()
    for html in htmls:
        for match in STORED_LINK.finditer(html or ""):
            kind, _, slug = match.group("target").partition(":")
            targets.add((kind, slug))
    return targets


@dataclass(frozen=True)
class LinkTarget:
    url: str
    title: str


def resolve(html, targets):
    """
    A stored rendering's link elements as links to the pages in `targets` ({(kind, slug):
    LinkTarget}, published pages only); a link to any other page becomes its own words.
    """

    def link(match):
        kind, _, slug = match.group("target").partition(":")
        words = match.group("label")  # escaped when stored
        target = targets.get((kind, slug))
        if target is None:
            return words or f'<span class="link-unavailable">{UNAVAILABLE}</span>'
        return f'<a href="{escape(target.url)}">{words or escape(target.title)}</a>'

    return STORED_LINK.sub(link, html)
