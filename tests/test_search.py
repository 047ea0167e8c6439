"""Ranked full-text search: runs on SQLite FTS5 or PostgreSQL, whichever the suite runs on."""

import pytest
from django.urls import reverse

from cases import search
from cases.models import CaseOrganization, CaseStudy, Country, Objective, Organization, SearchDocument, Status
from tests.factories import (
    make_case,
    make_challenge,
    make_country,
    make_objective,
    make_organization,
    make_source,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def corpus(reviewer):
    return {
        "title": make_case(title="Ceasefire monitoring in Lomé", summary="A mission.", body="## A\n\nNothing here."),
        "body": make_case(
            title="Another mission",
            summary="Observers watched the ceasefire line.",
            body="## A\n\nThe peacekeepers signed the Lomé peace agreement.",
        ),
        "draft": make_case(title="Secret ceasefire draft", status=Status.DRAFT),
        "organization": make_organization("ecowas", name="Economic Community of West African States"),
        "challenge": make_challenge("ceasefire-violations", name="Ceasefire violations"),
        "source": make_source(key="lome-agreement", title="Lomé Peace Agreement"),
    }


@pytest.fixture
def titles(client):
    """The case studies the list shows for a search, in its order (rank, unless sorted)."""

    def listed(query):
        response = client.get(reverse("cases:list"), {"q": query})
        return [case.title for case in response.context["object_list"]]

    return listed


def test_title_matches_rank_above_body_matches(titles, corpus):
    assert titles("ceasefire") == ["Ceasefire monitoring in Lomé", "Another mission"]


def test_case_and_accent_insensitive(titles, corpus):
    assert titles("LOME") == titles("lomé") == ["Ceasefire monitoring in Lomé", "Another mission"]


def test_prefix_and_phrase_queries(titles, corpus):
    assert titles("peacekeep") == ["Another mission"]
    assert titles('"peace agreement"') == ["Another mission"]
    assert titles('"agreement peace"') == []


def test_drafts_are_never_indexed_and_unpublishing_removes(titles, corpus, reviewer):
    assert "Secret ceasefire draft" not in titles("secret")
    assert not SearchDocument.objects.filter(title__contains="Secret").exists()
    case = corpus["title"]
    case.transition_to(Status.DRAFT, user=reviewer)
    assert "Ceasefire monitoring in Lomé" not in titles("ceasefire")
    case.transition_to(Status.REVIEW, user=reviewer)
    case.transition_to(Status.PUBLISHED, user=reviewer)
    assert "Ceasefire monitoring in Lomé" in titles("ceasefire")


def test_edits_are_indexed_on_save(titles, corpus):
    case = corpus["body"]
    case.body = "## A\n\nA new word: zanzibar."
    case.save()
    assert titles("zanzibar") == ["Another mission"]
    assert titles("peacekeepers") == []


def test_search_page_groups_results_by_type_with_highlighted_snippets(client, corpus):
    response = client.get(reverse("cases:search"), {"q": "ceasefire"})
    html = response.content.decode()
    groups = response.context["groups"]
    assert list(groups) == ["Case studies", "Challenges"]
    assert groups["Case studies"][0] == 2
    assert "<mark>Ceasefire</mark>" in html or "<mark>ceasefire</mark>" in html
    assert "Secret ceasefire draft" not in html
    response = client.get(reverse("cases:search"), {"q": "lome"})
    assert set(response.context["groups"]) == {"Case studies", "Sources"}


def test_search_page_shows_the_best_ten_of_each_kind_and_counts_them_all(client, corpus):
    for number in range(11):
        make_case(title=f"Mission {number:02}", summary="Observers reported ceasefire breaches.")
    groups = client.get(reverse("cases:search"), {"q": "ceasefire"}).context["groups"]
    total, hits = groups["Case studies"]
    assert total == 13
    assert len(hits) == 10
    assert hits[0].title == "Ceasefire monitoring in Lomé"  # the title match ranks first
    assert [hit.rank for hit in hits] == sorted((hit.rank for hit in hits), reverse=True)
    assert groups["Challenges"][0] == 1


@pytest.mark.parametrize(
    "query",
    [
        '"unbalanced',
        "ceasefire AND OR NOT",
        "(((",
        "*",
        "x" * 10_000,
        "cease\x00fire\x1b",
        "'; DROP TABLE x; --",
        "NEAR(a b)",
        "{{ 7*7 }}",
        '""',
        "-",
        "^ceasefire",
        "ceasefire:*",
    ],
)
def test_malformed_queries_never_fail(client, corpus, query):
    response = client.get(reverse("cases:search"), {"q": query})
    assert response.status_code == 200
    response = client.get(reverse("cases:list"), {"q": query[:200]})
    assert response.status_code == 200


def test_overlong_and_empty_queries_explain(client, corpus):
    html = client.get(reverse("cases:search"), {"q": "ceasefire " * 50}).content.decode()
    assert "shortened to its first 200 characters" in html
    html = client.get(reverse("cases:search"), {"q": "!!!"}).content.decode()
    assert "Type at least one word" in html


def test_list_filter_q_orders_by_rank_unless_sorted(client, corpus):
    response = client.get(reverse("cases:list"), {"q": "ceasefire"})
    assert [c.title for c in response.context["object_list"]] == ["Ceasefire monitoring in Lomé", "Another mission"]
    response = client.get(reverse("cases:list"), {"q": "ceasefire", "sort": "title"})
    assert [c.title for c in response.context["object_list"]] == ["Another mission", "Ceasefire monitoring in Lomé"]


def test_snippet_escapes_and_highlights():
    terms = search.parse_query("lome")
    html = search.snippet("<b>Signed</b> at Lomé in 1999", terms)
    assert "&lt;b&gt;" in html and "<mark>Lomé</mark>" in html


def test_deleted_records_leave_the_index_also_in_bulk(titles, corpus):
    CaseStudy.objects.filter(pk=corpus["title"].pk).delete()
    assert titles("ceasefire") == ["Another mission"]
    assert not SearchDocument.objects.filter(title="Ceasefire monitoring in Lomé").exists()


def test_a_search_alone_pages_through_the_same_order_as_with_other_filters(client, monkeypatch):
    """
    A search that is the only filter pages through its ranked ids (RankedPages); with another
    filter the database orders the matches. Both give the best RANKED_POSITIONS by rank, then
    the rest by title, page after page, and count the same.
    """
    monkeypatch.setattr(search, "RANKED_POSITIONS", 5)
    # Rank order differs from title order: more mentions rank higher, titles run the other way.
    for number in range(25):
        make_case(title=f"Mission {99 - number:02}", summary="Convoy. " * (number % 7 + 1), body="## A\n\nConvoy.")
    make_case(title="Unrelated mission", summary="Elections.")

    def listed(query, page):
        response = client.get(reverse("cases:list"), {**query, "page": page})
        return response.context["paginator"].count, [case.title for case in response.context["object_list"]]

    alone = [listed({"q": "convoy"}, page) for page in (1, 2)]
    # Every case study is in Africa: the region filter changes nothing but the way of paging.
    filtered = [listed({"q": "convoy", "region": "africa"}, page) for page in (1, 2)]
    assert alone == filtered
    (count, first), (_, second) = alone
    assert count == 25 and len(first) == 20 and len(second) == 5
    ranked = [case.title for case in search.CaseStudySearch("convoy").rank(CaseStudy.objects.published())]
    assert first + second == ranked
    rest = first[5:] + second
    assert rest == sorted(rest) and first[:5] != sorted(first[:5])


# -- what readers type ------------------------------------------------------------------------


def search_page(client, query, **params):
    return client.get(reverse("cases:search"), {"q": query, **params})


def found_on_search_page(client, query):
    """Titles of every hit on /search/, whatever its kind."""
    groups = search_page(client, query).context["groups"]
    return {hit.title for _, hits in groups.values() for hit in hits}


def test_challenge_synonyms_find_the_challenge(client, titles):
    make_challenge(
        "fragile-peace-agreements", name="Fragile peace agreements", synonyms="spoilers\nceasefire breakdown"
    )
    make_challenge("interoperability", name="Interoperability of forces")
    assert found_on_search_page(client, "spoilers") == {"Fragile peace agreements"}
    assert found_on_search_page(client, "ceasefire breakdown") == {"Fragile peace agreements"}


def test_editors_edit_synonyms_and_other_official_names_in_the_admin(admin_client):
    challenge = make_challenge("asymmetric-threats", name="Asymmetric threats")
    html = admin_client.get(reverse("admin:cases_challenge_change", args=[challenge.pk])).content.decode()
    assert 'name="synonyms"' in html
    case = make_case()
    html = admin_client.get(reverse("admin:cases_casestudy_change", args=[case.pk])).content.decode()
    assert 'name="official_names"' in html


@pytest.fixture
def linked_case():
    return make_case(
        title="Sierra Leone: UNAMSIL",
        summary="A mission.",
        countries=[make_country("CI", "Côte d'Ivoire")],
        objectives=[make_objective("protection-of-civilians", "Protection of civilians")],
        organizations=[make_organization("ecowas", name="Economic Community of West African States")],
    )


@pytest.mark.parametrize("query", ["protection of civilians", "ecowas", "west african states", "cote d'ivoire"])
def test_case_studies_are_found_by_their_objectives_countries_and_organisations(client, titles, linked_case, query):
    assert titles(query) == ["Sierra Leone: UNAMSIL"]
    assert "Sierra Leone: UNAMSIL" in found_on_search_page(client, query)


def test_search_documents_follow_changes_to_links_and_names(titles, linked_case, reviewer):
    case = linked_case
    case.objectives.add(make_objective("elections", "Electoral support"))
    assert titles("electoral") == ["Sierra Leone: UNAMSIL"]
    case.objectives.remove(Objective.objects.get(slug="protection-of-civilians"))
    assert titles("civilians") == []
    Objective.objects.get(slug="elections").case_studies.clear()
    assert titles("electoral") == []

    country = Country.objects.get(code="CI")
    country.name = "Ivory Coast"
    country.save()
    assert titles("ivory coast") == ["Sierra Leone: UNAMSIL"]
    country.delete()
    assert titles("ivory") == []

    ecowas = Organization.objects.get(slug="ecowas")
    ecowas.acronym = "CEDEAO"
    ecowas.save()
    assert titles("cedeao") == ["Sierra Leone: UNAMSIL"]
    ecowas.transition_to(Status.DRAFT, user=reviewer)  # a draft's name is found nowhere
    assert titles("cedeao") == []
    ecowas.transition_to(Status.REVIEW, user=reviewer)
    ecowas.transition_to(Status.PUBLISHED, user=reviewer)
    assert titles("cedeao") == ["Sierra Leone: UNAMSIL"]
    CaseOrganization.objects.filter(case_study=case).delete()
    assert titles("cedeao") == []
    CaseOrganization.objects.create(case_study=case, organization=ecowas, role="partner")
    assert titles("cedeao") == ["Sierra Leone: UNAMSIL"]


def test_other_official_names_are_found(client, titles):
    make_case(
        title="Haiti: MINUSTAH",
        mission_name="United Nations Stabilization Mission in Haiti",
        official_names="Mission des Nations Unies pour la stabilisation en Haïti",
    )
    assert titles("Mission des Nations Unies pour la stabilisation en Haïti") == ["Haiti: MINUSTAH"]
    assert titles('"stabilisation en haiti"') == ["Haiti: MINUSTAH"]
    assert "Haiti: MINUSTAH" in found_on_search_page(client, "stabilisation en haïti")


@pytest.mark.parametrize(
    "query", ["Côte d'Ivoire", "cote d'ivoire", "Côte d’Ivoire", "cote divoire", "COTE D IVOIRE", "divoire"]
)
def test_accented_and_elided_place_names_are_found_however_typed(client, titles, query):
    country = make_country("CI", "Côte d'Ivoire")
    make_case(title="Côte d'Ivoire: UNOCI", mission_name="United Nations Operation in Côte d'Ivoire")
    make_case(title="MINUCI", mission_name="A political mission", countries=[country])
    make_case(title="Elsewhere", summary="Divers and cotes.")
    assert sorted(titles(query)) == ["Côte d'Ivoire: UNOCI", "MINUCI"]
    assert {"Côte d'Ivoire: UNOCI", "MINUCI"} <= found_on_search_page(client, query)


@pytest.fixture
def kosovo():
    return make_case(title="Kosovo: the NATO-led force (KFOR)", acronym="KFOR", summary="Peace enforcement.")


def test_a_misspelling_gets_a_did_you_mean_from_the_casebooks_own_terms(client, kosovo):
    make_case(title="Zanzibar secret", status=Status.DRAFT)
    response = search_page(client, "Kosvo")
    assert response.context["suggestion"] == "kosovo"
    html = response.content.decode()
    assert "Did you mean" in html and 'href="/search/?q=kosovo"' in html
    # A draft's words are never offered.
    assert search_page(client, "zanzibr").context["suggestion"] is None
    # Nothing to correct when the words are found, together or each by itself.
    assert search_page(client, "kosovo").context["suggestion"] is None
    assert search_page(client, "enforcement kosovi").context["suggestion"] == "enforcement kosovo"

    response = client.get(reverse("cases:list"), {"q": "kosvo kfor"})
    assert "Did you mean" in response.content.decode()
    assert response.context["suggestion"] == "kosovo kfor"


def test_when_all_the_words_find_nothing_any_of_the_words_are_offered_and_said_so(client, titles, kosovo):
    make_case(title="Haiti: MINUSTAH", summary="Stabilisation.")
    response = search_page(client, "kosovo elephants")
    assert response.context["matched_any"]
    assert [hit.title for hit in response.context["groups"]["Case studies"][1]] == ["Kosovo: the NATO-led force (KFOR)"]
    assert "No result contains all of your words" in response.content.decode()
    # All the words found together: no fallback.
    response = search_page(client, "kosovo enforcement")
    assert not response.context["matched_any"]
    assert "No result contains all of your words" not in response.content.decode()

    response = client.get(reverse("cases:list"), {"q": "kosovo elephants"})
    assert [case.title for case in response.context["object_list"]] == ["Kosovo: the NATO-led force (KFOR)"]
    assert "No case study contains all of your words" in response.content.decode()
    assert titles("elephants giraffes") == []


def test_each_result_group_links_to_all_of_its_results(client):
    for number in range(25):
        make_source(key=f"report-{number:02}", title=f"Report {number:02} on convoy escorts")
    make_source(key="draft-report", title="Draft report on convoy escorts", status=Status.DRAFT)
    response = search_page(client, "convoy")
    total, hits = response.context["groups"]["Sources"]
    assert (total, len(hits)) == (25, 10)
    html = response.content.decode()
    assert 'href="/search/?q=convoy&amp;kind=source"' in html

    first = search_page(client, "convoy", kind="source")
    assert first.context["kind_label"] == "Sources"
    assert len(first.context["page_obj"].object_list) == 20
    second = search_page(client, "convoy", kind="source", page=2)
    listed = [hit.title for hit in first.context["page_obj"].object_list + second.context["page_obj"].object_list]
    assert len(listed) == len(set(listed)) == 25
    assert "Draft report on convoy escorts" not in listed
    assert 'page=2"' in first.content.decode()
    # A page past the end or an unknown kind shows what there is, never an error.
    assert search_page(client, "convoy", kind="source", page=99).status_code == 200
    assert search_page(client, "convoy", kind="nonsense").context["groups"]["Sources"][0] == 25


def test_the_shipped_content_answers_what_readers_type(client, shipped_casebook):
    def challenge_found(query):
        return {hit.url for hit in search_page(client, query).context["groups"].get("Challenges", (0, []))[1]}

    assert "/challenges/fragile-peace-agreements/" in challenge_found("spoilers")
    assert "/challenges/asymmetric-threats/" in challenge_found("armed groups")

    def slugs(query):
        response = client.get(reverse("cases:list"), {"q": query})
        return {case.slug for case in response.context["paginator"].object_list[:500]}

    assert "sierra-leone-unamsil" in slugs("protection of civilians")
    assert "haiti-minustah" in slugs("Mission des Nations Unies pour la stabilisation en Haïti")
    for query in ["cote d'ivoire", "Côte d’Ivoire", "cote divoire"]:
        assert {"cote-divoire-unoci", "cote-divoire-minuci"} <= slugs(query), query
    assert search_page(client, "Kosvo").context["suggestion"] == "kosovo"
