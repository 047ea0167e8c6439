"""
Stored XSS: whatever an editor's account writes into a text field, readers' pages carry no
script, event handler or script URL of its making.

Each payload of `xss_payloads.txt` (one a line; the two characters \\n stand for a line break)
is written straight into the database, past the forms' validators, as a compromised editor's
account or a bad import might, into every text field an editor can write. Each public page that
shows those fields is then parsed and checked.
"""

import datetime
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlencode

import pytest
import reversion
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from cases.models import (
    CaseChallenge,
    CaseOrganization,
    CaseStudy,
    Challenge,
    Citation,
    Contribution,
    LegalInstrument,
    Organization,
    Source,
    Status,
    StrengthFigure,
    TimelineEvent,
)
from tests.factories import make_country

PAYLOADS = [
    line.replace("\\n", "\n")
    for line in (Path(__file__).with_name("xss_payloads.txt").read_text(encoding="utf-8").splitlines())
    if line.strip()
]
SITE_SCRIPT = "/static/js/site.js"
# Structured data (schema.org JSON-LD): a data block browsers never run.
DATA_BLOCK = "application/ld+json"
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "data", "poster", "background"}
FORBIDDEN_SCHEMES = ("javascript:", "data:", "vbscript:")
# Searches whose results, with highlighted snippets, show most payloads.
SEARCHES = ["alert", "script", "click", "img onerror", "javascript", "window", "image", "href", "example", "cite"]
# The site's own server-drawn figures (the timeline, the charts of cases/charts.py, the maps), the
# only places an <svg> may appear (by a class of the figure); SVG anywhere else is injected.
SITE_FIGURES = {"timeline-chart", "chart", "world-map"}
FORBIDDEN_TAGS = {"iframe", "object", "embed", "svg", "math", "base", "frame", "frameset", "applet"}


def fit(model, field, value):
    """Truncate to the column's length, as the database would refuse longer text."""
    max_length = model._meta.get_field(field).max_length
    return value[:max_length] if max_length else value


def valid_url(value):
    try:
        URLValidator()(value)
    except ValidationError:
        return False
    return len(value) <= Source._meta.get_field("url").max_length


def cite(record, source, *, field="", text=""):
    Citation.objects.create(
        content_type=ContentType.objects.get_for_model(record),
        object_id=record.pk,
        source=source,
        field=field,
        locator=fit(Citation, "locator", text),
        note=fit(Citation, "note", text),
    )


def write_everywhere(n, payload, *, country, cited):
    """Payload number n in every editor-writable text field of its own published records."""

    def text(model, field):
        return fit(model, field, payload)

    source = Source.objects.create(
        key=f"xss-source-{n}",
        kind=Source.Kind.REPORT,
        title=text(Source, "title"),
        authors=text(Source, "authors"),
        publisher=text(Source, "publisher"),
        identifier=text(Source, "identifier"),
        url=payload if valid_url(payload) else "https://example.org/report",
        date=datetime.date(2000, 1, 1),
        status=Status.PUBLISHED,
    )
    organization = Organization.objects.create(
        slug=f"xss-org-{n}",
        name=text(Organization, "name"),
        acronym=f"X{n}",
        kind=Organization.Kind.REGIONAL,
        headquarters=text(Organization, "headquarters"),
        summary=payload,
        body=payload,
        founded=1999,
        status=Status.PUBLISHED,
    )
    cite(organization, source, text=payload)
    challenge = Challenge.objects.create(
        slug=f"xss-challenge-{n}",
        name=text(Challenge, "name"),
        category=Challenge.Category.SECURITY,
        summary=payload,
        body=payload,
        status=Status.PUBLISHED,
    )
    cite(challenge, source, text=payload)

    # A first published version in plain text, so that the public history shows the change.
    with reversion.create_revision():
        case = CaseStudy.objects.create(
            slug=f"xss-case-{n}",
            title=f"Plain title {n}",
            mission_name="Plain mission",
            acronym="PLAIN",
            region="africa",
            mandate_type=CaseStudy.MandateType.MULTIDIMENSIONAL,
            start_date=datetime.date(1999, 10, 22),
            end_date=datetime.date(2005, 12, 31),
            outcome=CaseStudy.Outcome.COMPLETED,
            summary="Plain summary.",
            body="## Background\n\nPlain body.",
            status=Status.PUBLISHED,
        )
    # The payload version: the rows first, then one revision that follows them all.
    for field in ("title", "mission_name", "acronym", "summary", "body", "lessons"):
        setattr(case, field, text(CaseStudy, field))
    case.save()
    case.countries.set([country])
    CaseOrganization.objects.create(case_study=case, organization=organization, role=CaseOrganization.Role.LEAD)
    CaseChallenge.objects.create(case_study=case, challenge=challenge, description=payload)
    event = TimelineEvent.objects.create(
        case_study=case, date=datetime.date(2000, 5, 1), title=text(TimelineEvent, "title"), description=payload
    )
    contribution = Contribution.objects.create(
        case_study=case, country=country, peak_personnel=3000, note=text(Contribution, "note")
    )
    LegalInstrument.objects.create(
        case_study=case,
        source=source,
        role=LegalInstrument.Role.ESTABLISHING,
        date=datetime.date(1999, 10, 22),
        note=text(LegalInstrument, "note"),
    )
    StrengthFigure.objects.create(
        case_study=case,
        source=source,
        kind=StrengthFigure.Kind.AUTHORISED,
        date=datetime.date(2001, 3, 30),
        number=17500,
        locator=text(StrengthFigure, "locator"),
    )
    cite(case, source, field="start_date", text=payload)
    cite(case, cited, text=payload)
    cite(event, source, text=payload)
    cite(contribution, source, text=payload)
    with reversion.create_revision():
        reversion.set_comment(payload)
        reversion.add_to_revision(case)
    return case


def build_casebook(payloads=PAYLOADS):
    country = make_country("SL", "Sierra Leone")
    # The source the payloads' [[cite:xss-source|...]] citations point at.
    cited = Source.objects.create(
        key="xss-source", kind=Source.Kind.REPORT, title="Cited report", status=Status.PUBLISHED
    )
    for n, payload in enumerate(payloads, 1):
        write_everywhere(n, payload, country=country, cited=cited)


def pages_to_check(count):
    """(path, texts that prove the page shows the records under test)."""
    cases_per_page = 20
    yield "/", ["/cases/xss-case-"]
    for page in range(1, (count - 1) // cases_per_page + 2):
        yield f"/cases/?page={page}", ["/cases/xss-case-"]
    yield "/organizations/", [f"/organizations/xss-org-{n}/" for n in range(1, count + 1)]
    yield "/challenges/", [f"/challenges/xss-challenge-{n}/" for n in range(1, count + 1)]
    yield "/sources/", [f"/sources/xss-source-{n}/" for n in range(1, count + 1)]
    for n in range(1, count + 1):
        yield f"/cases/xss-case-{n}/", [f"/sources/xss-source-{n}/", f"/organizations/xss-org-{n}/"]
        yield f"/cases/xss-case-{n}/history/", ['class="changes"']
        yield f"/organizations/xss-org-{n}/", [f"/cases/xss-case-{n}/"]
        yield f"/challenges/xss-challenge-{n}/", [f"/cases/xss-case-{n}/"]
        yield f"/sources/xss-source-{n}/", [f"/cases/xss-case-{n}/"]
    # Search snippets and the comparison table.
    for words in SEARCHES:
        yield f"/search/?{urlencode({'q': words})}", ["xss-"]
    for first in range(1, count + 1, 4):
        slugs = [f"xss-case-{(first + k - 1) % count + 1}" for k in range(4)]
        yield f"/compare/?{urlencode({'cases': slugs}, doseq=True)}", [f"/cases/{slugs[0]}/"]


class PageAudit(HTMLParser):
    """Everything on a page that could run script, described for a failure message."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems = []
        self.scripts = []
        self._script = None
        self._figures = []

    def handle_starttag(self, tag, attrs):
        self._check(tag, attrs)

    def handle_startendtag(self, tag, attrs):
        self._check(tag, attrs)

    def handle_endtag(self, tag):
        if tag == "script" and self._script is not None:
            self._end_script()
        if tag == "figure" and self._figures:
            self._figures.pop()

    def handle_data(self, data):
        if self._script is not None:
            self._script["text"] += data

    def close(self):
        super().close()
        if self._script is not None:
            self.problems.append("a <script> element is never closed")

    def _end_script(self):
        script, self._script = self._script, None
        if script["type"] == DATA_BLOCK:
            # Structured data for search engines: inert, as long as it is JSON through and through.
            try:
                json.loads(script["text"])
            except ValueError:
                self.problems.append(f"a {DATA_BLOCK} block that is not JSON: {script['text'][:80]!r}")
            if "<" in script["text"]:
                self.problems.append(f"a {DATA_BLOCK} block with a raw '<': {script['text'][:80]!r}")
        elif script["text"].strip():
            self.problems.append(f"inline script: {script['text'][:80]!r}")

    def _check(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "script":
            self._script = {"type": attributes.get("type"), "text": ""}
            if attributes.get("type") == DATA_BLOCK and "src" not in attributes:
                pass
            elif attributes.get("src") == SITE_SCRIPT:
                self.scripts.append(SITE_SCRIPT)
            else:
                self.problems.append(f"<script> other than the site's own: {attrs!r}")
        if tag == "figure":
            self._figures.append(attributes.get("class") or "")
        in_site_figure = any(set(classes.split()) & SITE_FIGURES for classes in self._figures)
        if tag in FORBIDDEN_TAGS and not (tag == "svg" and in_site_figure):
            self.problems.append(f"<{tag}> element: {attrs!r}")
        if tag == "meta" and "http-equiv" in attributes:
            self.problems.append(f"<meta http-equiv>: {attrs!r}")
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"event handler {name}= on <{tag}>")
            if name in URL_ATTRIBUTES and value:
                # Browsers ignore whitespace and control characters in a URL's scheme.
                squeezed = "".join(char for char in value if ord(char) > 32).lower()
                if squeezed.startswith(FORBIDDEN_SCHEMES):
                    self.problems.append(f"{name}={value[:60]!r} on <{tag}>")


def audit(html):
    parser = PageAudit()
    parser.feed(html)
    parser.close()
    if parser.scripts != [SITE_SCRIPT]:
        parser.problems.append(f"the site's script is not there exactly once: {parser.scripts!r}")
    return parser.problems


def test_the_corpus_is_broad():
    assert len(PAYLOADS) >= 50
    assert sum("alert(1)" in payload for payload in PAYLOADS) >= 20
    assert sum("window.__xss=1" in payload for payload in PAYLOADS) >= 10
    assert any(payload.startswith("[[cite:xss-source|") for payload in PAYLOADS)
    assert any(valid_url(payload) for payload in PAYLOADS)


def test_the_audit_catches_what_it_looks_for():
    page = '<html><head><script src="/static/js/site.js" defer></script></head><body>{}</body></html>'
    assert audit(page.format("<p>fine</p>")) == []
    assert (
        audit(page.format('<figure class="timeline-chart"><svg role="img"><a href="/cases/x/"></a></svg></figure>'))
        == []
    )
    assert (
        audit(page.format('<figure class="world-map x"><svg role="group"><a href="/countries/SL/"></a></svg></figure>'))
        == []
    )
    assert audit(page.format('<script type="application/ld+json">{"headline": "\\u003Cb\\u003E"}</script>')) == []
    for bad in [
        "<script>alert(1)</script>",
        '<img src="x" onerror="alert(1)">',
        '<a href=" JaVa&#x09;script:alert(1)">x</a>',
        '<a href="data:text/html,x">x</a>',
        "<svg></svg>",
        "<iframe></iframe>",
        '<figure class="timeline-chart"></figure><svg onload="alert(1)"></svg>',
        '<figure class="world-mapping"><svg></svg></figure>',
        '<script type="application/ld+json">{"a": "</script><script>alert(1)</script>"}</script>',
        '<script type="application/ld+json">{"a": 1}; alert(1)</script>',
        '<script type="text/plain">alert(1)</script>',
    ]:
        assert audit(page.format(bad)), bad


def payload_of(path):
    match = re.search(r"xss-[a-z]+-(\d+)/", path)
    if not match:
        return ""
    number = int(match.group(1))
    return f" (payload {number}: {PAYLOADS[number - 1]!r})"


@pytest.mark.django_db
def test_no_public_page_runs_a_stored_payload(client):
    build_casebook()
    failures = []
    for path, evidence in pages_to_check(len(PAYLOADS)):
        response = client.get(path)
        if response.status_code != 200:
            failures.append(f"{path}: status {response.status_code}{payload_of(path)}")
            continue
        html = response.content.decode()
        missing = [text for text in evidence if text not in html]
        if missing:
            failures.append(f"{path} does not show the records under test: {missing[:3]}")
        problems = audit(html)
        if problems:
            failures.append(f"{path}{payload_of(path)}: {problems}")
    assert not failures, "\n".join(failures)


@pytest.mark.django_db
def test_the_case_list_echoes_query_input_harmlessly(client):
    """The search box, the filters it cannot read and the page number are shown back escaped."""
    names = ["q", "organization", "region", "active_in", "sort", "page"]
    failures = []
    # Each payload once, in one of the parameters the page shows back.
    for first in range(0, len(PAYLOADS), len(names)):
        values = [PAYLOADS[(first + offset) % len(PAYLOADS)] for offset in range(len(names))]
        path = "/cases/?" + urlencode(list(zip(names, values, strict=True)))
        response = client.get(path)
        html = response.content.decode()
        assert response.status_code == 200, path
        assert "Some filters were not understood" in html, path
        problems = audit(html)
        if problems:
            failures.append(f"{path}: {problems}")
    assert not failures, "\n".join(failures)
