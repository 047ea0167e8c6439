"""Readers report errors from any public page: stored for editors, rate-limited, never public."""

import pytest
import reversion
from django.core.cache import cache
from django.urls import reverse

from cases.models import ErrorReport, Status
from cases.reports import REPORTS_PER_WINDOW
from tests.factories import make_case, make_organization

pytestmark = pytest.mark.django_db

REPORT_URL = reverse("cases:report")


@pytest.fixture(autouse=True)
def real_cache(settings):
    # The rate limit lives in the cache: these tests need one that keeps what it is given.
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "reports"}}
    cache.clear()


def publish_version(record, **changes):
    with reversion.create_revision():
        for name, value in changes.items():
            setattr(record, name, value)
        record.save()
        reversion.add_to_revision(record)


@pytest.fixture
def case():
    case = make_case("kosovo-kfor", title="Kosovo (KFOR)")
    publish_version(case)
    publish_version(case, summary="A mission, described again.")
    return case


def send(client, page="", message="The start date should be 12 June 1999.", ip="203.0.113.7", **fields):
    return client.post(REPORT_URL, {"page": page, "message": message, **fields}, REMOTE_ADDR=ip)


def test_every_public_page_links_to_the_report_form_with_its_own_address(client, case):
    html = client.get(f"/cases/{case.slug}/").content.decode()
    assert f'href="{REPORT_URL}?page=%2Fcases%2Fkosovo-kfor%2F"' in html
    assert "Report an error or suggest a source" in client.get("/about/").content.decode()


def test_the_form_names_the_record_and_version_the_reader_was_reading(client, case):
    response = client.get(REPORT_URL, {"page": f"/cases/{case.slug}/v/1/"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "Kosovo (KFOR)</a>, version 1" in html
    # The form carries this reader's token, so it is never kept in a shared cache.
    assert "private" in response["Cache-Control"] and "csrfmiddlewaretoken" in html


def test_a_report_is_stored_with_page_record_and_version_and_the_sender_sees_a_confirmation(client, case):
    response = send(
        client,
        page=f"/cases/{case.slug}/",
        source="S/RES/1244 (1999), para. 7",
        email="reader@example.org",
    )
    assert response.status_code == 302
    confirmation = client.get(response["Location"]).content.decode()
    assert "your report was received" in confirmation
    assert f'href="/cases/{case.slug}/"' in confirmation  # the way back
    report = ErrorReport.objects.get()
    assert (report.page, report.record, report.version_number) == (f"/cases/{case.slug}/", case, 2)
    assert report.message == "The start date should be 12 June 1999."
    assert (report.source, report.email, report.status) == ("S/RES/1244 (1999), para. 7", "reader@example.org", "open")


def test_the_senders_address_is_kept_only_as_a_keyed_hash(client, case):
    send(client, page=f"/cases/{case.slug}/", ip="198.51.100.23")
    send(client, page=f"/cases/{case.slug}/", ip="198.51.100.23")
    send(client, page=f"/cases/{case.slug}/", ip="198.51.100.99")
    senders = list(ErrorReport.objects.order_by("pk").values_list("sender", flat=True))
    assert senders[0] == senders[1] != senders[2]
    assert not any("198.51.100" in sender for sender in senders)


def test_a_page_that_is_not_a_record_is_stored_without_one(client):
    send(client, page="/cases/?region=africa")
    report = ErrorReport.objects.get()
    assert (report.page, report.record, report.version_number) == ("/cases/?region=africa", None, None)


def test_a_draft_record_is_never_named_and_its_address_alone_is_kept(client):
    draft = make_case("secret-draft", title="A draft nobody may see", status=Status.DRAFT)
    html = client.get(REPORT_URL, {"page": f"/cases/{draft.slug}/"}).content.decode()
    assert "A draft nobody may see" not in html
    send(client, page=f"/cases/{draft.slug}/")
    assert ErrorReport.objects.get().record is None


OFF_SITE = ["https://elsewhere.example/", "//elsewhere.example/x", "/\\elsewhere.example", "javascript:alert(1)"]


@pytest.mark.parametrize("page", OFF_SITE)
def test_an_address_off_the_site_is_neither_linked_nor_stored(client, page):
    html = client.get(REPORT_URL, {"page": page}).content.decode()
    assert "elsewhere.example" not in html and "javascript:" not in html
    send(client, page=page)
    assert ErrorReport.objects.get().page == ""


def test_the_sixth_report_in_a_minute_is_refused_with_a_clear_message_and_keeps_the_text(client, case):
    for _ in range(REPORTS_PER_WINDOW):
        assert send(client, page=f"/cases/{case.slug}/").status_code == 302
    response = send(client, page=f"/cases/{case.slug}/", message="A sixth report, kept in the form.")
    html = response.content.decode()
    assert response.status_code == 429
    assert "Wait a minute, then send it again" in html
    assert "A sixth report, kept in the form." in html
    assert ErrorReport.objects.count() == REPORTS_PER_WINDOW
    # Another address is not held back by this one.
    assert send(client, page=f"/cases/{case.slug}/", ip="192.0.2.44").status_code == 302


def test_a_filled_honeypot_stores_nothing_says_so_and_keeps_the_text(client):
    response = send(client, message="Spam or a person whose browser filled every field", homepage="http://spam.example")
    html = response.content.decode()
    assert response.status_code == 400
    assert "a field meant to stay empty was filled in" in html
    assert "Spam or a person whose browser filled every field" in html
    assert 'value="http://spam.example"' not in html  # emptied, so sending again works
    assert not ErrorReport.objects.exists()


def test_an_empty_or_oversized_report_is_refused_at_the_field_and_nothing_is_lost(client):
    response = send(client, message="")
    assert response.status_code == 400
    assert "Say what is wrong" in response.content.decode()
    long_text = "x" * 2_001
    response = send(client, message=long_text, email="not an address")
    html = response.content.decode()
    assert response.status_code == 400
    assert "at most 2000 characters" in html.replace(",", "")
    assert "Enter a valid email address" in html
    assert long_text in html
    assert not ErrorReport.objects.exists()


def test_a_report_without_a_csrf_token_is_refused(case):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(REPORT_URL, {"message": "No token"})
    assert response.status_code == 403
    assert not ErrorReport.objects.exists()


def test_reports_are_shown_nowhere_public(client, case):
    send(client, page=f"/cases/{case.slug}/", message="A private remark only editors read")
    for url in [f"/cases/{case.slug}/", "/cases/", "/search/?q=remark", "/feeds/latest/", "/sitemap.xml"]:
        assert "only editors read" not in client.get(url).content.decode(), url


def test_editors_see_open_reports_on_the_attention_board_and_in_the_admin(client, editor, case):
    organization = make_organization("nato", name="North Atlantic Treaty Organization")
    publish_version(organization)
    send(client, page=f"/cases/{case.slug}/", message="Wrong start date")
    send(client, page=f"/organizations/{organization.slug}/", message="Founded in 1949, not 1948")
    ErrorReport.objects.create(page="/", message="Already dealt with", sender="x", status="closed")
    client.force_login(editor)
    board = client.get(reverse("attention")).content.decode()
    section = board[board.index('id="error-reports"') : board.index('id="waiting"')]
    assert "(2)" in section and "Wrong start date" in section and "Founded in 1949" in section
    assert "Kosovo (KFOR), version 2" in section
    assert "Already dealt with" not in section
    assert "2 open reports of errors from readers" in client.get(reverse("admin:index")).content.decode()
    listing = client.get(reverse("admin:cases_errorreport_changelist"), {"status__exact": "open"}).content.decode()
    assert "Wrong start date" in listing and "Already dealt with" not in listing
    assert f'href="/cases/{case.slug}/"' in listing


def test_an_editor_closes_a_report_and_cannot_invent_one(client, editor, case):
    send(client, page=f"/cases/{case.slug}/")
    report = ErrorReport.objects.get()
    client.force_login(editor)
    assert client.get(reverse("admin:cases_errorreport_add")).status_code == 403
    client.post(reverse("admin:cases_errorreport_changelist"), {"action": "close", "_selected_action": [report.pk]})
    report.refresh_from_db()
    assert report.status == "closed"


def test_the_report_page_reads_a_fixed_number_of_queries(client, case, django_assert_num_queries):
    other = make_case("unmil", title="Liberia (UNMIL)")
    publish_version(other)
    # Resolving the record (1), its latest public version (content version, then versions: 2).
    for slug in (case.slug, other.slug):
        cache.clear()
        with django_assert_num_queries(3):
            client.get(REPORT_URL, {"page": f"/cases/{slug}/"})
