import re

import pytest
from django.core.exceptions import ValidationError

from cases.citations import References, parse_citations, render_markdown
from cases.models import validate_citations
from tests.factories import make_source

pytestmark = pytest.mark.django_db


def render(text, *sources):
    references = References({source.key: source for source in sources})
    return references.render(render_markdown(text)), references


def test_parse_finds_keys_and_locators_in_order():
    refs = parse_citations("A [[cite:unsc-res-1270-1999|para. 9]] and [[cite:sc-7041]].")
    assert [(r.key, r.locator) for r in refs] == [("unsc-res-1270-1999", "para. 9"), ("sc-7041", "")]


@pytest.mark.parametrize(
    "text",
    ["[[cite:Bad Key]]", "[[cite:]]", "[[cite:ok-key", "[[ cite: x]]", "[[cite:a--b]]"],
)
def test_malformed_citations_are_validation_errors(text):
    with pytest.raises(ValidationError):
        parse_citations(text)


def test_unknown_key_is_named_in_the_error():
    make_source(key="known-source")
    with pytest.raises(ValidationError) as error:
        validate_citations("Fine [[cite:known-source]] but [[cite:missing-source|p. 2]].")
    assert "missing-source" in str(error.value)
    assert "known-source" not in str(error.value)
    validate_citations("Fine [[cite:known-source]].")


def test_footnotes_number_in_order_of_first_use_and_repeat_their_number():
    first, second = make_source(key="first"), make_source(key="second")
    rendered, references = render("B [[cite:second]] A [[cite:first|p. 4]] B again [[cite:second]].", first, second)
    html = str(rendered)
    assert html.index('href="#ref-1"') < html.index('href="#ref-2"')
    assert [entry.source.key for entry in references.entries] == ["second", "first"]
    assert html.count('href="#ref-1"') == 2
    assert "p. 4" in html
    second_entry = references.entries[0]
    assert second_entry.backlinks == ["cite-1-1", "cite-1-2"]
    assert 'id="cite-1-2"' in html


def test_one_references_list_spans_several_texts():
    source = make_source(key="shared")
    references = References({"shared": source})
    references.render(render_markdown("Summary [[cite:shared]]."))
    references.render(render_markdown("Body [[cite:shared|para. 2]]."))
    assert len(references) == 1 and len(references.entries[0].backlinks) == 2


def test_unpublished_source_is_not_linked():
    rendered, references = render("Claim [[cite:draft-source]].")
    assert "citation unavailable" in str(rendered)
    assert len(references) == 0


def test_sections_become_headings_with_ids_for_the_table_of_contents():
    source = make_source(key="s")
    rendered, _ = render("## Background [[cite:s]]\n\nText.\n\n## The May 2000 crisis\n\nMore.", source)
    assert [h["name"] for h in rendered.headings] == ["Background", "The May 2000 crisis"]
    assert 'id="section-the-may-2000-crisis"' in str(rendered)


@pytest.mark.parametrize(
    "payload",
    [
        "<script>alert(1)</script>",
        '<img src=x onerror="alert(1)">',
        "[click](javascript:alert(1))",
        '<a href="javascript:alert(1)">x</a>',
        "<svg onload=alert(1)>",
        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
        "<iframe src=https://example.org></iframe>",
        "[[cite:s|<script>alert(1)</script>]]",
    ],
)
def test_rendering_is_sanitised(payload):
    source = make_source(key="s")
    html = str(render(payload, source)[0]).lower()
    assert "<script" not in html
    assert "onerror" not in html and "onload" not in html
    assert "javascript:" not in html
    assert "data:text" not in html
    assert "<iframe" not in html
    assert "<svg" not in html


@pytest.mark.parametrize(
    "text",
    [
        "[report](https://example.org/x[[cite:s]])",
        '[report](https://example.org/x "a title [[cite:s|p. 2]]")',
        "![chart](https://example.org/c.png[[cite:s]])",
        "<https://example.org/[[cite:s]]>",
        "[report][r]\n\n[r]: https://example.org/[[cite:s]]",
    ],
)
def test_no_citation_marker_lands_inside_an_attribute(text):
    rendered, _ = render(text, make_source(key="s"))
    html = str(rendered)
    for attribute in re.findall(r'="([^"]*)"', html):
        assert "<" not in attribute and ">" not in attribute
    for address in re.findall(r'(?:href|src|title)="([^"#][^"]*)"', html):
        assert "cite" not in address and "ref-" not in address
    for link in re.findall(r"<a [^>]*>", html):
        assert 'rel="noopener noreferrer nofollow"' in link


def test_a_citation_beside_a_link_still_numbers():
    rendered, references = render("[report](https://example.org/x) [[cite:s|p. 2]]", make_source(key="s"))
    assert '<a href="https://example.org/x" rel="noopener noreferrer nofollow">report</a>' in str(rendered)
    assert 'href="#ref-1"' in str(rendered) and len(references) == 1


def test_typed_stand_in_characters_are_not_citations():
    rendered, references = render("Text \ue0000\ue001 and more.", make_source(key="s"))
    assert "ref-" not in str(rendered) and len(references) == 0
