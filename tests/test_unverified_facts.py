"""Facts not yet checked against a primary document are shown to readers as unverified."""

import pytest
from django.urls import reverse

from tests.factories import cite, make_case, make_source

pytestmark = pytest.mark.django_db

POLICY = "/about/editorial-policy/"


@pytest.fixture
def case():
    source = make_source(key="unsc-res-1270-1999")
    case = make_case("unamsil", title="Sierra Leone (UNAMSIL)", unverified_facts=["start_date", "outcome"])
    cite(case, source, field="start_date", locator="para. 8")
    cite(case, source, field="mandate_type")
    return case


def test_case_page_marks_unverified_facts_instead_of_citing_them(client, case):
    response = client.get(case.get_absolute_url())
    html = response.content.decode()
    assert html.count('class="unverified"') == 2
    assert f'href="{POLICY}"' in html
    assert "not yet checked against a primary document" in html
    # The start date carries the marking, not the citation; the mandate type keeps its citation.
    assert "para. 8" not in html
    assert [entry.source.key for entry in response.context["references"].entries] == ["unsc-res-1270-1999"]


def test_comparison_marks_unverified_facts(client, case):
    make_case("other", title="Other", unverified_facts=[])
    response = client.get(f"{reverse('cases:compare')}?cases=unamsil&cases=other")
    rows = {row["label"]: row["cells"] for row in response.context["rows"]}
    assert "unverified" in str(rows["Start"][0]["marker"]) and "unverified" not in str(rows["Start"][1]["marker"])
    assert "unverified" in str(rows["Outcome"][0]["marker"])
    assert f'href="{POLICY}"' in response.content.decode()
