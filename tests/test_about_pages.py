"""The pages that say what the casebook is: About, methodology and editorial policy, linked from every footer."""

import datetime
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

import pytest
from django.conf import settings as django_settings
from django.urls import reverse

from cases.models import CaseStudy, StrengthFigure
from tests.factories import add_event, cite, make_case, make_challenge, make_country, make_organization, make_source

pytestmark = pytest.mark.django_db

ABOUT_PAGES = ["cases:about", "cases:methodology", "cases:editorial_policy"]
CC_BY = "https://creativecommons.org/licenses/by/4.0/"


@pytest.fixture
def casebook():
    source = make_source(key="unsc-res-1270-1999", title="Resolution 1270 (1999)", identifier="S/RES/1270 (1999)")
    un = make_organization("un", name="United Nations")
    challenge = make_challenge("host-state-consent", name="Host-state consent")
    case = make_case(
        "sierra-leone-unamsil",
        title="Sierra Leone (UNAMSIL)",
        organizations=[un],
        countries=[make_country("SL", "Sierra Leone")],
        challenges=[challenge],
        summary="Set up in 1999. [[cite:unsc-res-1270-1999]]",
    )
    cite(case, source, field="start_date")
    add_event(case, "Established", datetime.date(1999, 10, 22), sources=[source])
    make_case("kosovo-kfor", title="Kosovo (KFOR)", organizations=[un])
    return case


def html_of(client, url):
    response = client.get(url)
    return response.status_code, response.content.decode()


@pytest.mark.parametrize("name", ABOUT_PAGES)
def test_each_about_page_answers_with_the_sites_layout(client, name):
    status, html = html_of(client, reverse(name))
    assert status == 200
    assert 'class="site-header"' in html and 'class="site-footer"' in html
    assert html.count("<h1>") == 1
    assert 'aria-current="page"' in html  # the page is marked in the about pages' own contents


def test_about_says_what_counts_as_a_peace_operation_and_the_licence(client):
    _, html = html_of(client, reverse("cases:about"))
    assert "What counts as a peace operation here" in html
    assert "Security Council" in html and "coalitions of states" in html
    assert "CC BY 4.0" in html and f'href="{CC_BY}" rel="license"' in html
    assert reverse("cases:methodology") in html and reverse("cases:editorial_policy") in html


def test_methodology_explains_every_value_a_reader_meets_in_an_infobox(client):
    _, html = html_of(client, reverse("cases:methodology"))
    text = html.lower()
    for choices in (CaseStudy.MandateType, CaseStudy.Outcome, CaseStudy.Depth, StrengthFigure.Kind):
        for label in choices.labels:
            assert label.lower() in text, f"the methodology does not explain {label!r}"
    for fact in CaseStudy.CITABLE_FACTS.values():
        assert fact.lower() in text, f"the methodology does not explain the infobox's {fact!r}"
    for role in ("established by", "extended by", "ended by"):
        assert role in text


def test_editorial_policy_says_how_sources_are_checked_what_unverified_means_and_how_to_report_an_error(client):
    _, html = html_of(client, reverse("cases:editorial_policy"))
    assert 'id="sources"' in html and 'id="checking"' in html
    assert 'id="unverified"' in html and "yet been able to check it against a primary document" in html
    assert 'id="corrections"' in html and "How to report an error" in html
    assert "CC BY 4.0" in html


def test_editorial_policy_gives_the_corrections_address_when_one_is_configured(client, settings):
    settings.CORRECTIONS_EMAIL = "corrections@casebook.example.org"
    _, html = html_of(client, reverse("cases:editorial_policy"))
    assert 'href="mailto:corrections@casebook.example.org"' in html


def test_editorial_policy_without_an_address_still_says_how_to_propose_a_correction(client, settings):
    settings.CORRECTIONS_EMAIL = ""
    _, html = html_of(client, reverse("cases:editorial_policy"))
    assert "mailto:" not in html
    assert "proposed as a change to the file" in html


def test_every_public_page_type_links_to_the_about_pages_in_its_footer(client, casebook):
    kfor = CaseStudy.objects.get(slug="kosovo-kfor")
    pages = [
        reverse("cases:home"),
        reverse("cases:list"),
        reverse("cases:list") + "?region=nowhere",
        casebook.get_absolute_url(),
        reverse("cases:history", args=[casebook.slug]),
        reverse("cases:organization_list"),
        reverse("cases:organization_detail", args=["un"]),
        reverse("cases:challenge_list"),
        reverse("cases:challenge_detail", args=["host-state-consent"]),
        reverse("cases:source_list"),
        reverse("cases:source_detail", args=["unsc-res-1270-1999"]),
        reverse("cases:search") + "?q=sierra",
        reverse("cases:compare") + f"?cases={casebook.slug}&cases={kfor.slug}",
        "/no-such-page/",
        *(reverse(name) for name in ABOUT_PAGES),
    ]
    for url in pages:
        status, html = html_of(client, url)
        assert status in (200, 404), f"{url} answered {status}"
        footer = html[html.index('<footer class="site-footer">') :]
        for name in ABOUT_PAGES:
            assert f'href="{reverse(name)}"' in footer, f"{url}: the footer does not link to {reverse(name)}"
        assert CC_BY in footer


def test_the_sitemap_lists_the_about_pages(client):
    root = ET.fromstring(client.get(reverse("cases:sitemap")).content)
    namespace = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    locations = {url.find(f"{namespace}loc").text for url in root.findall(f"{namespace}url")}
    for name in ABOUT_PAGES:
        assert f"{django_settings.SITE_URL}{reverse(name)}" in locations


@pytest.mark.django_db(False)
def test_a_corrections_address_that_is_not_an_email_address_stops_the_start():
    env = {**os.environ, "DJANGO_DEBUG": "true", "CASEBOOK_CORRECTIONS_EMAIL": "write to us"}
    result = subprocess.run(
        [sys.executable, "-c", "import peacekeeping.wsgi"],
        cwd=django_settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "CASEBOOK_CORRECTIONS_EMAIL must be an email address, not 'write to us'" in result.stderr
