"""
No side doors: an editor walks every model registered in the admin and every admin URL, writes a
marker into every text field, posts every form, action and restore there is, and readers see
none of it on any public page until a reviewer approves.
"""

import pytest
import reversion
from django.contrib import admin
from django.urls import NoReverseMatch, reverse

from cases import history
from cases.models import Proposal, Status
from tests.admin_forms import form_fields
from tests.factories import (
    add_event,
    add_strength,
    cite,
    make_case,
    make_challenge,
    make_country,
    make_objective,
    make_organization,
    make_source,
)

pytestmark = pytest.mark.django_db

MARKER = "zqxmarkerzqx"


@pytest.fixture
def casebook(reviewer):
    source = make_source(key="unsc-res-1270-1999", title="Resolution 1270 (1999)")
    un = make_organization("un", name="United Nations")
    consent = make_challenge("host-state-consent", name="Host-state consent")
    case = make_case(
        "sierra-leone-unamsil",
        title="Sierra Leone (UNAMSIL)",
        summary="Set up in 1999. [[cite:unsc-res-1270-1999]]",
        organizations=[un],
        challenges=[consent],
        countries=[make_country("SL", "Sierra Leone")],
        objectives=[make_objective("ddr")],
    )
    cite(case, source, field="start_date", locator="para. 8")
    add_event(case, title="Lomé agreement", sources=[source])
    add_strength(case, 6000, source)
    for record in (case, un, consent, source):
        with reversion.create_revision():
            reversion.set_user(reviewer)
            reversion.add_to_revision(record)
    return case


def admin_urls(model, obj):
    info = model._meta.app_label, model._meta.model_name
    urls = {"change": reverse("admin:{}_{}_change".format(*info), args=[obj.pk])}
    for name in ("delete", "history"):
        try:
            urls[name] = reverse(f"admin:{info[0]}_{info[1]}_{name}", args=[obj.pk])
        except NoReverseMatch:
            pass
    return urls


def public_pages(case):
    yield "/"
    yield "/cases/"
    yield case.get_absolute_url()
    yield f"{case.get_absolute_url()}history/"
    yield f"{case.get_absolute_url()}v/1/"
    yield "/organizations/"
    yield "/organizations/un/"
    yield "/challenges/"
    yield "/challenges/host-state-consent/"
    yield "/sources/"
    yield "/sources/unsc-res-1270-1999/"
    yield "/cases/export.csv"
    yield "/cases/export.json"
    yield "/sources/export.bib"
    yield "/feeds/latest/"
    yield "/sitemap.xml"
    yield f"/compare/?cases={case.slug}&cases={case.slug}"


def test_no_editor_post_anywhere_in_the_admin_changes_what_readers_see(client, editor, casebook):
    client.force_login(editor)
    posted = 0
    for model, model_admin in admin.site._registry.items():
        if model._meta.app_label != "cases":
            continue
        info = model._meta.app_label, model._meta.model_name
        changelist = reverse("admin:{}_{}_changelist".format(*info))
        objects = list(model._default_manager.all())
        # Every admin action on every row (publish, unpublish, submit...).
        for action in model_admin.get_actions(client.get(changelist).wsgi_request) or {}:
            client.post(changelist, {"action": action, "_selected_action": [obj.pk for obj in objects], "post": "yes"})
            posted += 1
        for obj in objects:
            urls = admin_urls(model, obj)
            page = client.get(urls["change"])
            if page.status_code == 200:
                data, text_fields = form_fields(page.content.decode())
                for name in text_fields:
                    if name not in ("based_on_revision",):
                        data[name] = f"{data.get(name) or ''} {MARKER}".strip()
                for button in ("_save", "_continue", "_submit_proposal", "_publish_with_sources"):
                    client.post(urls["change"], {**data, button: "1"})
                    posted += 1
                for status in Status.values:
                    client.post(urls["change"], {**data, "_transition": status})
                    posted += 1
            if "delete" in urls:
                client.post(urls["delete"], {"post": "yes"})
                posted += 1
            if hasattr(obj, "publish_permission"):
                # The review page's two decisions (a reviewer's publish among them).
                review = reverse("admin:{}_{}_review".format(*info), args=[obj.pk])
                for decision in Status.values:
                    client.post(review, {"decision": decision, "comment": MARKER})
                    posted += 1
                for version in history.versions_of(obj):
                    restore = reverse("admin:{}_{}_restore".format(*info), args=[obj.pk, version.pk])
                    client.post(restore, {"confirmed": "1"})
                    posted += 1
    # The editor's own proposals: approving them is a reviewer's step.
    for proposal in Proposal.objects.all():
        client.post(reverse("admin:cases_proposal_change", args=[proposal.pk]), {"action": "approved"})
    assert posted > 50
    assert Proposal.objects.exists(), "the editor's changes were kept as proposals"

    client.logout()
    # Searches echo what was typed: they must find nothing.
    assert client.get(f"/cases/?q={MARKER}").context["paginator"].count == 0
    assert not client.get(f"/search/?q={MARKER}").context["groups"]
    for url in public_pages(casebook):
        response = client.get(url)
        body = b"".join(response.streaming_content) if response.streaming else response.content
        assert response.status_code == 200, url
        assert MARKER not in body.decode(), url
