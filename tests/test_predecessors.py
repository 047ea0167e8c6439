"""A case study links the operations it took over from and those that took over from it."""

import datetime

import pytest

from cases.models import Status
from tests.factories import make_case

pytestmark = pytest.mark.django_db


def test_case_page_links_predecessors_and_successors_but_no_draft(client):
    unomsil = make_case(
        "sierra-leone-unomsil", title="UNOMSIL", acronym="UNOMSIL", start_date=datetime.date(1998, 7, 13)
    )
    unamsil = make_case("sierra-leone-unamsil", title="UNAMSIL", acronym="UNAMSIL")
    successor = make_case("sierra-leone-next", acronym="NEXT", start_date=datetime.date(2006, 1, 1), end_date=None)
    draft = make_case("sierra-leone-draft", acronym="DRAFTOP", status=Status.DRAFT)
    unamsil.predecessors.set([unomsil])
    successor.predecessors.set([unamsil])
    draft.predecessors.set([unamsil])

    page = client.get(unamsil.get_absolute_url()).content.decode()
    assert "Preceded by" in page and 'href="/cases/sierra-leone-unomsil/">UNOMSIL</a>' in page
    assert "Succeeded by" in page and 'href="/cases/sierra-leone-next/">NEXT</a>' in page
    assert "DRAFTOP" not in page
    earlier = client.get(unomsil.get_absolute_url()).content.decode()
    assert "Succeeded by" in earlier and "Preceded by" not in earlier
