"""Public pages run a fixed number of queries, whatever the number of rows."""

import datetime
from urllib.parse import urlencode

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from tests.factories import (
    add_event,
    add_strength,
    cite,
    make_case,
    make_challenge,
    make_country,
    make_organization,
    make_source,
)

pytestmark = pytest.mark.django_db


def build(n):
    un = make_organization(f"un{n}")
    challenge = make_challenge(f"challenge-{n}")
    source = make_source()
    for i in range(n):
        case = make_case(
            organizations=[un, (make_organization(f"org-{n}-{i}"), "partner")],
            countries=[make_country("SL"), make_country("LR", "Liberia")],
            challenges=[challenge],
            body=f"## Section\n\nText [[cite:{source.key}]].",
        )
        for j in range(n):
            add_event(case, f"Event {j}", datetime.date(2000, 1, 1 + j), sources=[source])
            add_strength(case, 1000 + j, source)
        cite(case, source, field="start_date")
    return case, un, challenge, source


def count(client, url):
    client.get(url)  # warm per-process caches (content types), which do not depend on rows
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    ("name", "budget"),
    [("list", 10), ("detail", 19), ("organization", 10), ("challenge", 10), ("source", 15), ("home", 10)],
)
def test_query_count_does_not_grow_with_rows(client, name, budget):
    counts = []
    for n in (2, 6):
        case, organization, challenge, source = build(n)
        url = {
            "list": reverse("cases:list") + "?organization=" + organization.slug + "&sort=-strength",
            "detail": case.get_absolute_url(),
            "organization": organization.get_absolute_url(),
            "challenge": challenge.get_absolute_url(),
            "source": source.get_absolute_url(),
            "home": reverse("cases:home"),
        }[name]
        counts.append(count(client, url))
    assert counts[0] == counts[1], counts
    assert counts[1] <= budget, counts


@pytest.mark.parametrize(
    ("params", "budget"),
    [
        ({"q": "case"}, 4),  # every case study, grouped with the other kinds
        ({"q": "case", "kind": "case_study", "page": 2}, 4),  # one kind, paginated
        # Nothing: a "did you mean" from the casebook's terms, and popular entries (PostgreSQL counts
        # the kinds apart from the ranked ids: one query more than SQLite's 6).
        ({"q": "casse"}, 7),
        ({"q": "case elephants"}, 8),  # not all the words: a "did you mean", and any of them
    ],
)
def test_search_query_count_does_not_grow_with_rows(client, params, budget):
    counts = []
    for n in (2, 6):
        build(n)
        counts.append(count(client, reverse("cases:search") + "?" + urlencode(params)))
    assert counts[0] == counts[1], counts
    assert counts[1] <= budget, counts
