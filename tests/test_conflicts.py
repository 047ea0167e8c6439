"""Two editors saving the same record from stale copies: the second save is refused, not lost."""

import pytest
import reversion
from django.urls import reverse

from cases.models import Challenge, Status
from tests.factories import make_challenge

pytestmark = pytest.mark.django_db


def form_data(page_context, **changes):
    form = page_context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if value is None:
            continue
        data[name] = value
    data.update(
        {
            "cases-citation-content_type-object_id-TOTAL_FORMS": "0",
            "cases-citation-content_type-object_id-INITIAL_FORMS": "0",
        }
    )
    data.update(changes)
    return data


def test_second_stale_save_is_refused_shows_the_changes_and_keeps_the_text(client, editor, django_user_model):
    challenge = make_challenge(status=Status.DRAFT, summary="Consent of the host state matters.")
    with reversion.create_revision():
        reversion.add_to_revision(challenge)
    url = reverse("admin:cases_challenge_change", args=[challenge.pk])
    other = django_user_model.objects.create_user("other-editor", is_staff=True)
    other.groups.set(editor.groups.all())

    client.force_login(editor)
    first_copy = client.get(url).context
    second_client = client.__class__()
    second_client.force_login(other)
    second_copy = second_client.get(url).context

    response = client.post(url, form_data(first_copy, summary="Consent of the host state is the basis of a mission."))
    assert response.status_code == 302

    stale = second_client.post(url, form_data(second_copy, summary="My own careful rewording of the summary."))
    assert stale.status_code == 200
    html = stale.content.decode()
    assert "Someone else saved this record by editor after you opened it" in html
    assert "My own careful rewording of the summary." in html  # the second editor's text is kept
    assert "<ins>is the basis of a mission" in html  # and the change made in between is shown
    challenge.refresh_from_db()
    assert challenge.summary == "Consent of the host state is the basis of a mission."

    # After merging, saving again from the same (now refreshed) form succeeds.
    merged = stale.context["adminform"].form.data.copy()
    merged["summary"] = "Consent of the host state is the basis of a mission; my rewording merged."
    assert second_client.post(url, merged).status_code == 302
    assert Challenge.objects.get().summary.endswith("my rewording merged.")


def test_an_unchanged_record_saves_normally(client, editor):
    challenge = make_challenge(status=Status.DRAFT)
    url = reverse("admin:cases_challenge_change", args=[challenge.pk])
    client.force_login(editor)
    context = client.get(url).context
    assert client.post(url, form_data(context, name="Renamed challenge")).status_code == 302
    context = client.get(url).context
    assert client.post(url, form_data(context, name="Renamed twice")).status_code == 302
    assert Challenge.objects.get().name == "Renamed twice"
