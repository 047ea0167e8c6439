import pytest
from django.urls import reverse

from cases.models import CaseStudy, Challenge, Country, Objective, Organization, Source, TimelineEvent
from tests.factories import make_case, make_challenge, make_country, make_objective, make_organization, make_source

pytestmark = pytest.mark.django_db

MODELS = [CaseStudy, Organization, Challenge, Source, Country, Objective]


@pytest.mark.parametrize("model", MODELS)
def test_every_admin_list_add_and_change_page_works(admin_client, model):
    case = make_case(
        organizations=[make_organization("un")],
        challenges=[make_challenge()],
        countries=[make_country()],
        objectives=[make_objective()],
    )
    source = make_source()
    instance = {CaseStudy: case, Source: source}.get(model) or model.objects.first()
    opts = model._meta
    for url in [
        reverse(f"admin:cases_{opts.model_name}_changelist"),
        reverse(f"admin:cases_{opts.model_name}_changelist") + "?q=a",
        reverse(f"admin:cases_{opts.model_name}_add"),
        reverse(f"admin:cases_{opts.model_name}_change", args=[instance.pk]),
    ]:
        assert admin_client.get(url).status_code == 200, url


def case_form(**overrides):
    data = {
        "title": "Liberia (UNMIL)",
        "slug": "liberia-unmil",
        "mission_name": "United Nations Mission in Liberia",
        "acronym": "UNMIL",
        "region": "africa",
        "countries": [],
        "mandate_type": "multidimensional",
        "start_date": "2003-09-19",
        "start_precision": "day",
        "end_date": "2018-03-30",
        "end_precision": "day",
        "outcome": "completed",
        "summary": "Set up in 2003. [[cite:unsc-res-1509-2003]]",
        "body": "## Background\n\nText [[cite:unsc-res-1509-2003|para. 1]].",
        "lessons": "",
        "depth": "full",
        "status": "draft",
    }
    prefixes = {
        "roles": "roles",
        "cases-citation-content_type-object_id": "cases-citation-content_type-object_id",
        "timeline_events": "timeline_events",
        "strength_figures": "strength_figures",
        "instruments": "instruments",
        "contributions": "contributions",
        "case_challenges": "case_challenges",
    }
    for prefix in prefixes.values():
        data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
    data.update(overrides)
    return data


def test_admin_creates_a_case_with_inline_timeline_and_citation(admin_client):
    source = make_source(key="unsc-res-1509-2003")
    data = case_form(
        countries=[make_country("LR", "Liberia").pk],
        **{
            "timeline_events-TOTAL_FORMS": "1",
            "timeline_events-0-date": "2003-09-19",
            "timeline_events-0-precision": "day",
            "timeline_events-0-title": "Council establishes UNMIL",
            "timeline_events-0-description": "Resolution adopted. [[cite:unsc-res-1509-2003]]",
            "cases-citation-content_type-object_id-TOTAL_FORMS": "1",
            "cases-citation-content_type-object_id-0-field": "start_date",
            "cases-citation-content_type-object_id-0-source": str(source.pk),
            "cases-citation-content_type-object_id-0-locator": "para. 1",
        },
    )
    response = admin_client.post(reverse("admin:cases_casestudy_add"), data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    case = CaseStudy.objects.get(slug="liberia-unmil")
    assert case.timeline_events.get().title == "Council establishes UNMIL"
    assert case.citations.get().field == "start_date"


def test_unknown_source_key_is_a_validation_error_naming_it_and_nothing_is_saved(admin_client):
    make_source(key="unsc-res-1509-2003")
    data = case_form(
        body="## Background\n\nText [[cite:unsc-res-9999-2003]].",
        **{
            "timeline_events-TOTAL_FORMS": "1",
            "timeline_events-0-date": "2003-09-19",
            "timeline_events-0-precision": "day",
            "timeline_events-0-title": "An event",
            "timeline_events-0-description": "",
        },
    )
    response = admin_client.post(reverse("admin:cases_casestudy_add"), data)
    assert response.status_code == 200
    assert "unsc-res-9999-2003" in response.content.decode()
    assert "Unknown source key" in response.content.decode()
    assert not CaseStudy.objects.exists() and not TimelineEvent.objects.exists()
    # The editor's text is still in the form.
    assert "Text [[cite:unsc-res-9999-2003]]." in response.content.decode()


def test_malformed_citation_and_bad_dates_are_explained(admin_client):
    make_source(key="unsc-res-1509-2003")
    response = admin_client.post(
        reverse("admin:cases_casestudy_add"),
        case_form(summary="Broken [[cite:Not A Key]]", end_date="2001-01-01"),
    )
    html = response.content.decode()
    assert response.status_code == 200
    assert "has no valid source key" in html
    assert "The end date cannot be before the start date." in html
    assert not CaseStudy.objects.exists()


def test_odd_slug_and_source_key_are_refused_with_a_message(admin_client):
    response = admin_client.post(
        reverse("admin:cases_source_add"),
        {"key": "Bad Key/../x", "kind": "web_page", "title": "T", "date_precision": "day", "status": "draft"},
    )
    assert response.status_code == 200
    assert "lower-case letters, digits and single hyphens" in response.content.decode()
    response = admin_client.post(reverse("admin:cases_casestudy_add"), case_form(slug="bad slug!"))
    assert response.status_code == 200 and not CaseStudy.objects.exists()


def test_markdown_preview_renders_footnotes_and_names_unknown_keys(admin_client):
    make_source(key="unsc-res-1509-2003", title="Resolution 1509 (2003)")
    url = reverse("markdown_preview")
    result = admin_client.post(url, {"text": "## Mandate\n\nText [[cite:unsc-res-1509-2003|para. 1]]."}).json()
    assert 'href="#ref-1"' in result["html"] and result["references"][0]["title"] == "Resolution 1509 (2003)"
    assert result["problems"] == []
    result = admin_client.post(url, {"text": "Bad [[cite:nope-key]] <script>x</script>"}).json()
    assert "nope-key" in result["problems"][0] and "<script>" not in result["html"]
    assert admin_client.get(url).status_code == 405


def test_markdown_preview_is_for_staff_only(client):
    response = client.post(reverse("markdown_preview"), {"text": "x"})
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
