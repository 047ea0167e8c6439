"""
Two reviewers save the same record at the same moment, from the same edit, through the real
admin save path: exactly one save wins, the other is told and keeps its text.
"""

import re
import threading

import pytest
from django.contrib.auth.models import Permission, User
from django.db import connection
from django.test import Client
from django.urls import reverse

from cases.admin import ConflictCheckingForm
from cases.models import CaseStudy
from tests.admin_forms import form_fields
from tests.factories import make_case, make_country

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="needs a database that serves two connections at once: runs in the PostgreSQL pass",
)


def make_reviewer(username):
    # A transactional test starts from a flushed database, without the groups migrations made.
    user = User.objects.create_user(username, password="x", is_staff=True)
    codenames = ["view_casestudy", "change_casestudy", "publish_casestudy"]
    user.user_permissions.set(Permission.objects.filter(content_type__app_label="cases", codename__in=codenames))
    return user


@pytest.mark.django_db(transaction=True)
def test_of_two_concurrent_saves_from_one_edit_exactly_one_wins(monkeypatch):
    reviewer, second = make_reviewer("reviewer"), make_reviewer("second")
    case = make_case(
        "kosovo-kfor", title="Kosovo (KFOR)", summary="Original text.", countries=[make_country("XK", "Kosovo")]
    )
    url = reverse("admin:cases_casestudy_change", args=[case.pk])

    # Both saves pass the form's validation before either checks the revision: the check and
    # the update that follows must then let one through, not both.
    both_validated = threading.Barrier(2, timeout=30)
    claim = ConflictCheckingForm._claim

    def claim_together(form, seen):
        both_validated.wait()
        return claim(form, seen)

    monkeypatch.setattr(ConflictCheckingForm, "_claim", claim_together)

    forms = {}
    for user in (reviewer, second):
        client = Client()
        client.force_login(user)
        data, _ = form_fields(client.get(url).content.decode())
        data["summary"] = f"Saved by {user.username}."
        forms[user.username] = (client, data)

    results = {}

    def save(name):
        client, data = forms[name]
        try:
            response = client.post(url, data)
            results[name] = (response.status_code, response.content.decode())
        finally:
            connection.close()

    threads = [threading.Thread(target=save, args=(name,)) for name in forms]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    statuses = sorted(status for status, _ in results.values())
    assert statuses == [200, 302], [re.findall(r"errorlist[^>]*>(.{0,300})", html) for _, html in results.values()]
    loser = next(name for name, (status, _) in results.items() if status == 200)
    winner = next(name for name in results if name != loser)
    assert "Someone else saved this record" in results[loser][1]
    assert f"Saved by {loser}." in results[loser][1]  # the losing text is still in the form
    assert CaseStudy.objects.get(pk=case.pk).summary == f"Saved by {winner}."
