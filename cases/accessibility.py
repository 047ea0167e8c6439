"""
An accessibility check of what editors write, shown as warnings before publishing (never
blocking): images need alt text, headings go down one level at a time, links have text.

It reads the Markdown as cmark renders it, before the sanitiser (cases/citations.py) drops what
a page cannot show: the stored HTML no longer has the images or the level-1 and level-5
headings an editor wrote, and those are exactly what the editor needs to hear about.
"""

from html.parser import HTMLParser

import cmarkgfm
from cmarkgfm.cmark import Options

from cases.citations import CITE_PATTERN

HEADINGS = {f"h{level}": level for level in range(1, 7)}
# The page's title is its one level-1 heading: a text's sections start at level 2 (## ).
TITLE_LEVEL = 1
# Texts shown under a heading of the page's own: their sections start one level lower.
SHOWN_UNDER_LEVEL = {"lessons": 2}  # a case study's "Lessons" section


class _Checker(HTMLParser):
    def __init__(self, level=TITLE_LEVEL):
        super().__init__(convert_charrefs=True)
        self.problems = []
        self.level = level
        self.heading = None  # [level, text] while inside one
        self.links = []  # [href, text, has a described image] for each open link

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in HEADINGS:
            self.heading = [HEADINGS[tag], ""]
        elif tag == "a":
            self.links.append([attrs.get("href") or "", "", False])
        elif tag == "img":
            alt = (attrs.get("alt") or "").strip()
            if not alt:
                self.problems.append(
                    f"An image has no alt text ({attrs.get('src') or 'no address'}): describe it between the "
                    "brackets, ![what it shows](address). (Images are not shown on public pages.)"
                )
            elif self.links:
                self.links[-1][2] = True

    def handle_data(self, data):
        if self.heading is not None:
            self.heading[1] += data
        for link in self.links:
            link[1] += data

    def handle_endtag(self, tag):
        if tag in HEADINGS and self.heading is not None:
            self._check_heading(*self.heading)
            self.heading = None
        elif tag == "a" and self.links:
            href, text, described_image = self.links.pop()
            if not text.strip() and not described_image:
                self.problems.append(
                    f"A link has no text ({href or 'no address'}): write what it leads to between the "
                    "brackets, [where it leads](address)."
                )

    def _check_heading(self, level, text):
        name = " ".join(text.split()) or "(empty)"
        marks = "#" * (self.level + 1)
        if level == TITLE_LEVEL:
            self.problems.append(
                f"“{name}” is a level-1 heading (#): the page's title is its only one. Start sections with ##."
            )
        elif level > self.level + 1:
            self.problems.append(
                f"“{name}” is a level-{level} heading after a level-{self.level} one: a level is skipped. "
                f"Use {marks} for it."
            )
        self.level = level


def problems_in_text(markdown, level=TITLE_LEVEL):
    """What an accessibility check finds in one Markdown text shown under a heading of `level`, in reading order."""
    # Citations become footnote numbers on the page, not words of the text around them.
    text = CITE_PATTERN.sub("", markdown or "")
    html = cmarkgfm.markdown_to_html_with_extensions(
        text, options=Options.CMARK_OPT_DEFAULT, extensions=["table", "strikethrough"]
    )
    checker = _Checker(level)
    checker.feed(html)
    checker.close()
    return checker.problems


def warnings_for(model, values):
    """["Body: …", …] for the Markdown fields among `values` (field name: text) of a record of `model`."""
    warnings = []
    for name in getattr(model, "markdown_fields", ()):
        label = model._meta.get_field(name).verbose_name
        problems = problems_in_text(values.get(name), SHOWN_UNDER_LEVEL.get(name, TITLE_LEVEL))
        warnings += [f"{label[:1].upper()}{label[1:]}: {problem}" for problem in problems]
    return warnings


def warnings_for_record(record):
    return warnings_for(type(record), {name: getattr(record, name) for name in getattr(record, "markdown_fields", ())})
