"""
Nothing unpublished reaches a reader: a sweep over every public surface, with a draft, an
in-review and an archived record of every publishable model tied to the published casebook in
every way an editor can tie them.
"""

import csv
import datetime
import io
import json
import re
from urllib.parse import urlencode

import pytest
import reversion

from cases.filters import SORT_CHOICES
from cases.models import (
    CaseChallenge,
    CaseOrganization,
    CaseStudy,
    LegalInstrument,
    Region,
    Status,
    StrengthFigure,
)
from tests.factories import (
    add_event,
    cite,
    make_case,
    make_challenge,
    make_country,
    make_objective,
    make_organization,
    make_source,
)

pytestmark = pytest.mark.django_db

MARKER = "leakmarker"  # compared in lower case: every hidden record's visible text carries it
HIDDEN = [Status.DRAFT, Status.REVIEW, Status.ARCHIVED]
# A word only hidden records contain, for searching without echoing the marker back.
HIDDEN_WORD = "quokka"

# Surfaces that may not exist yet; each is checked as soon as its URL resolves.


def hidden_records(status):
    """One hidden record of each publishable model, its text full of the marker."""
    label = f"LEAKMARKER-{status}"
    organization = make_organization(
        f"hidden-{status}-org",
        name=f"{label}-org",
        acronym=label[:20],
        headquarters=f"{label} headquarters",
        summary=f"{label} organisation summary, {HIDDEN_WORD}.",
        status=status,
    )
    challenge = make_challenge(
        f"hidden-{status}-challenge",
        name=f"{label}-challenge",
        summary=f"{label} challenge summary, {HIDDEN_WORD}.",
        status=status,
    )
    source = make_source(
        f"hidden-{status}-source",
        title=f"{label}-source",
        authors=f"{label} author",
        publisher=f"{label} publisher",
        identifier=f"{label}/1",
        url=f"https://example.org/{label.lower()}",
        status=status,
    )
    return organization, challenge, source


@pytest.fixture
def leaky_casebook():
    sierra_leone = make_country("SL", "Sierra Leone")
    ddr = make_objective("ddr", "Disarmament, demobilisation and reintegration")
    un = make_organization("un", name="United Nations")
    consent = make_challenge("host-state-consent", name="Host-state consent")
    resolution = make_source("unsc-res-1270-1999", title="Resolution 1270 (1999)", identifier="S/RES/1270 (1999)")

    # The published case study as it was first published, before anything hidden touched it.
    with reversion.create_revision():
        published = make_case(
            "sierra-leone-unamsil",
            title="Sierra Leone (UNAMSIL)",
            acronym="UNAMSIL",
            organizations=[un],
            countries=[sierra_leone],
            objectives=[ddr],
            challenges=[consent],
            summary="Set up in 1999. [[cite:unsc-res-1270-1999]]",
        )
        reversion.add_to_revision(published)
    make_case("kosovo-kfor", title="Kosovo (KFOR)", acronym="KFOR", region="europe", end_date=None, outcome="ongoing")

    hidden = {}
    for status in HIDDEN:
        organization, challenge, source = hidden_records(status)
        # Hidden records tied to the published case study.
        CaseOrganization.objects.create(case_study=published, organization=organization, role="lead")
        CaseChallenge.objects.create(
            case_study=published, challenge=challenge, description=f"LEAKMARKER-{status} occurrence."
        )
        cite(published, source, field="start_date", locator=f"LEAKMARKER-{status} para. 1")
        cite(published, source)
        StrengthFigure.objects.create(
            case_study=published,
            source=source,
            kind="deployed",
            number=1000 + len(hidden),
            date=datetime.date(2001, 1, 1),
        )
        # The draft one as the establishing instrument, shown in the infobox too.
        role = "establishing" if status == Status.DRAFT else "extending"
        LegalInstrument.objects.create(case_study=published, source=source, role=role, date=datetime.date(2000, 1, 1))
        # A hidden case study that uses the published organisation, challenge and source.
        case = make_case(
            f"hidden-{status}-case",
            title=f"LEAKMARKER-{status}-case",
            mission_name=f"LEAKMARKER-{status} mission",
            acronym=f"LEAKMARKER-{status}"[:30],
            organizations=[un, (organization, "partner")],
            countries=[sierra_leone],
            objectives=[ddr],
            challenges=[consent, challenge],
            summary=f"LEAKMARKER-{status} summary, {HIDDEN_WORD}. [[cite:unsc-res-1270-1999]]",
            body=f"## Background\n\nLEAKMARKER-{status} body, {HIDDEN_WORD}. [[cite:hidden-{status}-source]]",
            status=status,
        )
        cite(case, resolution, field="start_date")
        add_event(case, f"LEAKMARKER-{status} event", sources=[resolution])
        hidden[status] = {"organization": organization, "challenge": challenge, "source": source, "case": case}

    # The published text cites the hidden sources inline.
    published.body = "## Background\n\n" + " ".join(f"Text. [[cite:hidden-{s}-source|p. 2]]" for s in HIDDEN)
    published.save()
    add_event(published, "Lomé Peace Agreement", sources=[resolution, *(hidden[s]["source"] for s in HIDDEN)])

    # A draft edit between two published versions: the public history must skip it.
    with reversion.create_revision():
        published.status = Status.DRAFT
        published.title = "LEAKMARKER-draft-edit of the published case"
        published.save()
    with reversion.create_revision():
        published.status = Status.PUBLISHED
        published.title = "Sierra Leone (UNAMSIL)"
        published.save()
        reversion.add_to_revision(published)
    return {"published": published, "hidden": hidden}


def hidden_slugs(hidden):
    """Addresses of hidden records. (A hidden source's key may stand in published Markdown.)"""
    slugs = []
    for records in hidden.values():
        slugs += [
            records["organization"].slug,
            records["challenge"].slug,
            records["source"].get_absolute_url(),
            records["case"].slug,
        ]
    return slugs


def slugs_of_sources(hidden):
    return [records["source"].key for records in hidden.values()]


def filter_queries(hidden):
    """Every value of every filter of the case-study list, hidden records' slugs included."""
    values = {
        "organization": ["un", *(r["organization"].slug for r in hidden.values())],
        "challenge": ["host-state-consent", *(r["challenge"].slug for r in hidden.values())],
        "objective": ["ddr"],
        "country": ["SL", "sl"],
        "region": Region.values,
        "mandate_type": CaseStudy.MandateType.values,
        "outcome": CaseStudy.Outcome.values,
        "ongoing": ["true", "false"],
        "sort": [value for value, _ in SORT_CHOICES],
        "active_in": ["1999", "2003", "2005"],
        "start_after": ["1999"],
        "start_before": ["1999"],
        "q": [HIDDEN_WORD, "hidden", "mission", "case", "UNAMSIL"],
    }
    for name, options in values.items():
        for value in options:
            yield {name: value}
    # Several values at once, and the hidden ones alongside the published one.
    yield {"organization": values["organization"]}
    yield {"challenge": values["challenge"]}
    yield {"q": HIDDEN_WORD, "organization": "un", "challenge": "host-state-consent", "sort": "-updated"}


def body_of(response):
    if response.streaming:
        return b"".join(response.streaming_content).decode("utf-8", "replace")
    return response.content.decode("utf-8", "replace")


def test_no_unpublished_record_reaches_any_public_surface(client, leaky_casebook):
    published, hidden = leaky_casebook["published"], leaky_casebook["hidden"]
    slugs = hidden_slugs(hidden)
    leaks, checked = [], 0

    def check(url, expected_status=200):
        nonlocal checked
        response = client.get(url)
        checked += 1
        body = body_of(response).lower()
        if expected_status is not None and response.status_code != expected_status:
            leaks.append(f"{url}: status {response.status_code}, expected {expected_status}")
        elif response.status_code >= 500:
            leaks.append(f"{url}: status {response.status_code}")
        if MARKER in body:
            at = body.index(MARKER)
            leaks.append(
                f"{url}: shows the marker {body.count(MARKER)} times, first: …{body[max(0, at - 120) : at + 60]!r}…"
            )
        for slug in slugs:
            # A slug the reader typed is echoed back ("not a valid choice"); any other is a leak.
            if slug in body and slug not in url:
                at = body.index(slug)
                leaks.append(f"{url}: shows the hidden {slug!r}: …{body[max(0, at - 120) : at + 60]!r}…")
        return response

    # The pages readers browse.
    home = check("/")
    for path in [
        "/cases/",
        published.get_absolute_url(),
        f"/cases/{published.slug}/history/",
        "/organizations/",
        "/organizations/un/",
        "/challenges/",
        "/challenges/host-state-consent/",
        "/sources/",
        "/sources/unsc-res-1270-1999/",
    ]:
        check(path)

    # Hidden records' own pages do not exist for readers.
    for records in hidden.values():
        for path in [
            records["case"].get_absolute_url(),
            f"{records['case'].get_absolute_url()}history/",
            records["organization"].get_absolute_url(),
            records["challenge"].get_absolute_url(),
            records["source"].get_absolute_url(),
        ]:
            check(path, expected_status=404)

    # Every filter value of the list, hidden slugs included, on the list and its exports.
    queries = [urlencode(query, doseq=True) for query in filter_queries(hidden)]
    for query in queries:
        check(f"/cases/?{query}")

    # Every other public surface: search, feed, sitemap, exports, bibliographies, comparison.
    for q in [HIDDEN_WORD, "hidden", "leak", "case", "Sierra"]:
        check(f"/search/?{urlencode({'q': q})}")
    for path in ["/feeds/latest/", "/sitemap.xml", "/robots.txt"]:
        check(path)
    for path in ["/cases/export.csv", "/cases/export.json"]:
        check(path)
        for query in queries:
            if any(slug in query for slug in slugs) or "q=" in query:
                check(f"{path}?{query}", expected_status=None)
    for path in ["/sources/export.bib", "/sources/export.ris"]:
        check(path)
        check(f"{path}?{urlencode({'key': slugs_of_sources(hidden)}, doseq=True)}", expected_status=None)
        check(f"{path}?{urlencode({'key': ['unsc-res-1270-1999', *slugs_of_sources(hidden)]}, doseq=True)}")
        for kind in ["un_document", "report"]:
            check(f"{path}?kind={kind}")
    check(f"/cases/{published.slug}/cite.bib")
    for records in hidden.values():
        check(f"/cases/{records['case'].slug}/cite.bib", expected_status=404)
    for fmt in ["bib", "ris"]:
        check(f"/sources/unsc-res-1270-1999/cite.{fmt}")
        for key in slugs_of_sources(hidden):
            check(f"/sources/{key}/cite.{fmt}", expected_status=404)
    together = [published.slug, "kosovo-kfor", *(records["case"].slug for records in hidden.values())]
    check(f"/compare/?{urlencode({'cases': together}, doseq=True)}", expected_status=None)
    check(f"/compare/?{urlencode({'cases': [published.slug, 'kosovo-kfor']}, doseq=True)}")
    check(f"/compare/?{urlencode({'cases': ','.join(together)})}", expected_status=None)
    print(f"Checked {checked} responses")

    # Counts readers see include published records only.
    home_html = home.content.decode()
    for count, noun in [(2, "case studies"), (1, "organisations"), (1, "challenges"), (1, "sources")]:
        if not re.search(rf"<strong>{count}</strong>\s*{noun}", home_html):
            leaks.append(f"/: the home page does not count {count} {noun}")
    listing = client.get("/cases/")
    if "2 case studies" not in listing.content.decode():
        leaks.append("/cases/: the list does not count 2 case studies")
    # The count beside each filter option counts published case studies only.
    counts = {
        (facet["name"], option["value"]): option["count"]
        for facet in listing.context["facets"]
        for option in facet["options"]
    }
    expected = {("organization", "un"): 1, ("challenge", "host-state-consent"): 1, ("objective", "ddr"): 1}
    expected |= {("country", "SL"): 1, ("region", "africa"): 1, ("region", "europe"): 1}
    for option, count in expected.items():
        if counts.get(option) != count:
            leaks.append(f"/cases/: the filter option {option} counts {counts.get(option)}, not {count}")
    for path in ["/organizations/", "/challenges/"]:
        if "1 case study" not in client.get(path).content.decode():
            leaks.append(f"{path}: the published record does not count 1 case study")

    assert not leaks, f"{len(leaks)} leaks:\n" + "\n".join(leaks)


@pytest.mark.parametrize("status", HIDDEN)
def test_peak_strength_counts_only_figures_whose_source_is_published(client, status):
    published_source = make_source("unsc-res-1270-1999", title="Resolution 1270 (1999)")
    hidden_source = make_source("hidden-report", title="Figures not yet checked", status=status)
    case = make_case("sierra-leone-unamsil", title="Sierra Leone (UNAMSIL)")
    make_case("kosovo-kfor", title="Kosovo (KFOR)", region="europe")
    StrengthFigure.objects.create(
        case_study=case, source=published_source, kind="authorised", number=17500, date=datetime.date(2000, 5, 19)
    )
    StrengthFigure.objects.create(
        case_study=case, source=hidden_source, kind="authorised", number=99999, date=datetime.date(2001, 3, 30)
    )
    shown = {"17,500", "17500"}
    hidden = {"99,999", "99999"}

    export_csv = body_of(client.get("/cases/export.csv"))
    export_json = body_of(client.get("/cases/export.json"))
    compare = client.get(f"/compare/?{urlencode({'cases': [case.slug, 'kosovo-kfor']}, doseq=True)}")
    page = client.get(case.get_absolute_url())

    (row,) = [row for row in csv.DictReader(io.StringIO(export_csv.lstrip("\ufeff"))) if row["slug"] == case.slug]
    assert row["peak_authorised_strength"] == "17500"
    (record,) = [record for record in json.loads(export_json)["case_studies"] if record["slug"] == case.slug]
    assert record["peak_authorised_strength"] == 17500
    strength = {row["label"]: row for row in compare.context["rows"]}["Peak authorised strength"]
    assert strength["cells"][0]["value"] == "17,500 (2000)"
    assert page.context["peaks"][0]["label"] == "Peak authorised strength"
    assert page.context["peaks"][0]["figure"].number == 17500
    for surface, text in [
        ("/cases/export.csv", export_csv),
        ("/cases/export.json", export_json),
        ("/compare/", body_of(compare)),
        (case.get_absolute_url(), body_of(page)),
    ]:
        assert not [number for number in hidden if number in text], f"{surface} shows the figure of a hidden source"
        assert [number for number in shown if number in text], f"{surface} does not show the published figure"
