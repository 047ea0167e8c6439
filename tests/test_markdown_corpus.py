"""
Adversarial Markdown (bench/markdown_corpus.py, 100 KB each) renders correctly, and texts over
the size limit are refused with a clear message, when saved and when previewed. How long each
takes is the benchmark's to print (`python -m bench.markdown_corpus`), not a test's to assert.
"""

import html
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from bench.markdown_corpus import CORPUS, SIZE
from cases.citations import MAX_QUOTE_DEPTH, References, render_markdown
from cases.models import BODY_LENGTH, SUMMARY_LENGTH
from tests.factories import make_case, make_source


def text_of(rendered):
    return html.unescape(re.sub(r"<[^>]*>", "", rendered["html"]))


EXPECTED = {
    "nested brackets": lambda out: text_of(out).count("[") == SIZE,
    "balanced brackets": lambda out: text_of(out).count("[") == SIZE // 2 and text_of(out).count("]") == SIZE // 2,
    "image openings": lambda out: text_of(out).count("![") == SIZE // 2,
    "citation openings": lambda out: text_of(out).count("[[cite:") == SIZE // 7 and "data-cite" not in out["html"],
    "closed citations": lambda out: (
        out["html"].count('<sup data-cite="unsc-res-1270-1999" data-locator="para. 9">')
        == CORPUS["closed citations"].count("[[cite:")
    ),
    "link openings": lambda out: text_of(out).count("[a](") == SIZE // 4,
    "links with titles": lambda out: (
        out["html"].count('<a href="https://example.org/x" title="t"') == len(CORPUS["links with titles"]) // 31
    ),
    "emphasis run": lambda out: text_of(out).count("a") == SIZE // 4,
    # A line of underscores is a thematic break; a run of backticks opens a code block.
    "underscore run": lambda out: out["html"].strip() == "<hr>",
    "backtick run": lambda out: out["html"].strip() == "<pre><code></code></pre>",
    "autolink openings": lambda out: text_of(out).count("<") == SIZE,
    "html openings": lambda out: text_of(out).count("<a") == SIZE // 2 and "<a " not in out["html"],
    "entity openings": lambda out: text_of(out).count("&#") == SIZE // 2,
    "reference definitions": lambda out: out["html"] == "",
    # Every use is kept; past a total the parser stops expanding references (against output floods).
    "reference uses": lambda out: (
        text_of(out).count("r1") == SIZE // 5 and out["html"].count('<a href="https://example.org/1"') > 1000
    ),
    "long table": lambda out: out["html"].count("<tr>") == (SIZE - 20) // 10 + 1,
    "wide table": lambda out: out["html"].count("<th>") == SIZE // 4,
    "deep list": lambda out: out["html"].count("<ul>") == 300,
    "deep quotes": lambda out: (
        out["html"].count("<blockquote>") == MAX_QUOTE_DEPTH and text_of(out).count(">") == SIZE // 10 - MAX_QUOTE_DEPTH
    ),
    "headings": lambda out: len({heading["id"] for heading in out["headings"]}) == CORPUS["headings"].count("## "),
}


ALLOWED = {"p", "a", "em", "strong", "code", "pre", "h2", "ul", "li", "blockquote", "hr"}
ALLOWED |= {"table", "thead", "tbody", "tr", "th", "td", "sup", "br"}


def test_every_text_of_the_corpus_has_an_expectation():
    assert set(EXPECTED) == set(CORPUS)


@pytest.mark.parametrize("name", list(CORPUS))
def test_adversarial_markdown_renders_correctly(name):
    rendered = render_markdown(CORPUS[name])
    assert EXPECTED[name](rendered), name
    for tag in re.findall(r"<(\w+)", rendered["html"]):
        assert tag in ALLOWED, tag


@pytest.mark.django_db
def test_a_page_numbers_a_flood_of_citations_as_one_reference():
    source = make_source(key="unsc-res-1270-1999")
    references = References({source.key: source})
    page = str(references.render(render_markdown(CORPUS["closed citations"])))
    assert len(references) == 1
    assert page.count('href="#ref-1"') == CORPUS["closed citations"].count("[[cite:")


@pytest.mark.django_db
def test_texts_over_the_limit_are_refused_with_their_size():
    case = make_case(summary="S" * (SUMMARY_LENGTH + 1), body="B" * (BODY_LENGTH + 1))
    with pytest.raises(ValidationError) as error:
        case.full_clean()
    assert f"at most {SUMMARY_LENGTH}" in " ".join(error.value.message_dict["summary"])
    assert f"at most {BODY_LENGTH}" in " ".join(error.value.message_dict["body"])


@pytest.mark.django_db
def test_preview_refuses_a_text_over_the_limit_and_says_why(client, editor):
    client.force_login(editor)
    response = client.post(reverse("markdown_preview"), {"text": "[" * (BODY_LENGTH + 1)})
    assert response.status_code == 200
    assert response.json()["html"] == ""
    assert f"{BODY_LENGTH:,}" in response.json()["problems"][0]
    within = client.post(reverse("markdown_preview"), {"text": CORPUS["nested brackets"]})
    assert within.json()["problems"] == [] and within.json()["html"].count("[") == SIZE
