"""Links between pages in text: [[case:…]], [[org:…]], [[challenge:…]], and "What links here"."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cases import derived
from cases.models import CaseStudy, PageLink, Status, TimelineEvent, TransitionNotAllowed
from tests.factories import make_case, make_challenge, make_organization

pytestmark = pytest.mark.django_db


def section(html, heading_id):
    """The HTML of the page's section whose heading has this id."""
    start = html.index(f'id="{heading_id}"')
    return html[start : html.index("</section>", start)]


def test_a_link_shows_the_pages_title_and_goes_to_it(client):
    target = make_case("unomsil", title="Sierra Leone: UNOMSIL")
    un = make_organization("un", name="United Nations")
    linker = make_case(body="## Background\n\nIt took over from [[case:unomsil]], under [[org:un|the UN]].")

    html = client.get(linker.get_absolute_url()).content.decode()

    assert f'<a href="{target.get_absolute_url()}" rel="noopener noreferrer nofollow">Sierra Leone: UNOMSIL</a>' in html
    assert f'<a href="{un.get_absolute_url()}" rel="noopener noreferrer nofollow">the UN</a>' in html
    assert "[[case:" not in html and "[[org:" not in html


def test_a_renamed_page_is_linked_by_its_new_title(client):
    target = make_challenge("spoilers", name="Spoilers")
    linker = make_case(summary="Armed groups acted as [[challenge:spoilers]].")
    target.name = "Spoiler violence"
    target.save()

    html = client.get(linker.get_absolute_url()).content.decode()

    assert ">Spoiler violence</a>" in html


def test_a_link_to_an_unknown_page_is_refused_on_save_naming_the_link():
    case = make_case()
    case.body = "## Background\n\nSee [[case:no-such-mission]] and [[org:nato]]."
    with pytest.raises(ValidationError) as refused:
        case.full_clean()
    messages = " ".join(refused.value.message_dict["body"])
    assert "[[case:no-such-mission]]" in messages and "[[org:nato]]" in messages
    assert "no case study of the casebook" in messages


def test_a_malformed_link_is_refused_on_save():
    case = make_case()
    case.summary = "See [[case:two words]] and [[org:un"
    with pytest.raises(ValidationError) as refused:
        case.full_clean()
    messages = " ".join(refused.value.message_dict["summary"])
    assert "“[[case:two words]]” has no valid page" in messages
    assert "A link is not closed" in messages


def test_a_link_to_an_existing_draft_saves_but_keeps_the_record_from_publishing(reviewer):
    make_organization("au", name="African Union", status=Status.DRAFT)
    case = make_case(status=Status.DRAFT, summary="Led by [[org:au]].")
    case.full_clean()  # a draft may link to a draft: both may be published together

    with pytest.raises(TransitionNotAllowed) as refused:
        case.transition_to(Status.REVIEW, user=reviewer)

    assert "It links to the organisation “African Union (AU)”, which is draft." in str(refused.value)


def test_a_page_unpublished_after_its_linkers_is_never_revealed(client):
    make_case("secret-mission", title="The secret mission", status=Status.PUBLISHED)
    linker = make_case(summary="Compare [[case:secret-mission]] and [[case:secret-mission|the other one]].")
    CaseStudy.objects.filter(slug="secret-mission").update(status=Status.DRAFT)

    html = client.get(linker.get_absolute_url()).content.decode()

    assert "The secret mission" not in html
    assert "/cases/secret-mission/" not in html
    assert "[page not available]" in html  # a link without words of its own
    assert "the other one" in html  # the linker's own words stay, as plain text
    assert '">the other one</a>' not in html


def test_what_links_here_lists_published_linkers_only(client):
    target = make_organization("osce", name="Organization for Security and Co-operation in Europe")
    published = [make_case(title=f"Published linker {n}", summary="With the [[org:osce]].") for n in range(3)]
    make_case(title="Draft linker", status=Status.DRAFT, summary="With the [[org:osce]].")
    make_challenge("consent", name="Consent", summary="See the [[org:osce|OSCE]].")
    make_case(title="Not a linker", summary="Nothing here.")

    html = section(client.get(target.get_absolute_url()).content.decode(), "what-links-here")

    for case in published:
        assert f'<a href="{case.get_absolute_url()}">{case.title}</a>' in html
    assert ">Consent</a>" in html
    assert "Draft linker" not in html and "Not a linker" not in html
    assert html.count("<li>") == len(published) + 1


def test_links_in_a_case_studys_inline_rows_count_as_its_links(client):
    target = make_case("unmil", title="Liberia: UNMIL")
    linker = make_case(title="Côte d'Ivoire: UNOCI")
    event = TimelineEvent.objects.create(
        case_study=linker, date="2004-04-04", title="Troops arrive", description="Some came from [[case:unmil]]."
    )

    assert PageLink.objects.filter(from_case_study=linker, to_case_study=target).count() == 1
    page = section(client.get(target.get_absolute_url()).content.decode(), "what-links-here")
    assert "Côte d&#x27;Ivoire: UNOCI" in page

    event.delete()
    assert not PageLink.objects.filter(from_case_study=linker).exists()


def test_a_page_linking_twice_is_one_link_and_rebuilding_gives_the_same_links():
    make_case("a-target")
    make_organization("eu")
    linker = make_case(summary="[[case:a-target]] then [[case:a-target|again]] and [[org:eu]].")
    before = set(PageLink.objects.values_list("from_case_study", "to_case_study", "to_organization"))
    assert len(before) == 2

    derived.rebuild_page_links()

    assert set(PageLink.objects.values_list("from_case_study", "to_case_study", "to_organization")) == before
    assert PageLink.objects.filter(from_case_study=linker).count() == 2


def test_the_editors_preview_names_an_unknown_link_and_shows_drafts(client, editor):
    make_challenge("draft-one", name="A draft challenge", status=Status.DRAFT)
    client.force_login(editor)

    response = client.post(reverse("markdown_preview"), {"text": "See [[challenge:draft-one]] and [[case:missing]]."})

    body = response.json()
    assert any("[[case:missing]]" in problem for problem in body["problems"])
    assert ">A draft challenge</a>" in body["html"]
