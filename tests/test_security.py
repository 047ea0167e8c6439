"""
Security settings and access rules: deployment checks, headers, login throttling, roles, CSRF.
"""

import os
import secrets
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import get_resolver, reverse
from reversion.models import Version

from cases.models import CaseStudy, Challenge, Objective, Organization, Source, Status
from tests.factories import make_case, make_challenge, make_country, make_objective, make_organization, make_source

BASE_DIR = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"


# -- production settings -----------------------------------------------------------------


def production_env(**overrides):
    """The environment of a production start: no DJANGO_* override, real settings module."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("DJANGO_")}
    env["DJANGO_SETTINGS_MODULE"] = "peacekeeping.settings"
    env.update(overrides)
    return env


def manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_deploy_check_finds_nothing_to_warn_about_in_production_settings():
    result = manage("check", "--deploy", env=production_env(DJANGO_SECRET_KEY=secrets.token_urlsafe(64)))
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "System check identified no issues" in output, output
    assert "WARNINGS" not in output


@pytest.mark.parametrize(
    ("key", "message"),
    [
        (None, "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off"),
        ("", "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off"),
        ("too-short", "DJANGO_SECRET_KEY must be a random string of 50 characters or more"),
    ],
)
def test_production_refuses_to_start_without_a_real_secret_key(key, message):
    env = production_env() if key is None else production_env(DJANGO_SECRET_KEY=key)
    # What gunicorn does first: import the WSGI application.
    result = subprocess.run(
        [sys.executable, "-c", "import peacekeeping.wsgi"],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert message in result.stderr
    assert "ImproperlyConfigured" in result.stderr


def test_deploy_check_reports_a_missing_secret_key_as_an_error():
    result = manage("check", "--deploy", env=production_env())
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "ERRORS:" in output
    assert "DJANGO_SECRET_KEY is not set" in output


@pytest.mark.parametrize(
    "command",
    [["check"], ["makemigrations", "--check", "--dry-run"], ["runserver", "--noreload", "127.0.0.1:0"]],
)
def test_commands_refuse_to_run_without_a_key_when_debug_is_off(command, tmp_path):
    env = production_env(DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    result = manage(*command, env=env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set" in result.stderr


def test_a_throwaway_key_is_given_only_on_request_and_never_passes_the_deploy_check(tmp_path):
    env = production_env(DJANGO_THROWAWAY_SECRET_KEY="true", DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    result = manage("makemigrations", "--check", "--dry-run", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "No changes detected" in result.stdout
    result = manage("check", "--deploy", env=env)
    output = result.stdout + result.stderr
    assert result.returncode != 0, output
    assert "throwaway" in output and "DJANGO_SECRET_KEY" in output


def test_development_settings_run_commands_with_their_own_key(tmp_path):
    env = production_env(DJANGO_DEBUG="true", DATABASE_URL=f"sqlite:///{tmp_path / 'db.sqlite3'}")
    result = manage("check", env=env)
    assert result.returncode == 0, result.stdout + result.stderr


# -- response headers --------------------------------------------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/", "/cases/", "/admin/login/", "/no-such-page/"])
def test_responses_carry_the_security_headers(client, path):
    response = client.get(path, secure=True)
    # Subdomains and browsers' preload lists are opt-in: they bind every host under the domain.
    assert response["Strict-Transport-Security"] == "max-age=31536000"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"

    policy = {
        directive.split()[0]: directive.split()[1:]
        for directive in response["Content-Security-Policy"].split(";")
        if directive.strip()
    }
    assert policy["script-src"] == ["'self'"]
    assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"]
    assert policy["object-src"] == ["'none'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert "'unsafe-inline'" not in policy.get("default-src", [])


@pytest.mark.django_db
def test_plain_http_does_not_announce_hsts(client):
    # HSTS over plain HTTP is ignored by browsers and Django does not send it.
    assert "Strict-Transport-Security" not in client.get("/")


def setting_values(*names, **env):
    code = "from django.conf import settings; print(" + ", ".join(f"settings.{name}" for name in names) + ")"
    result = manage("shell", "-c", code, env=production_env(DJANGO_SECRET_KEY=secrets.token_urlsafe(64), **env))
    assert result.returncode == 0, result.stderr
    return result.stdout.strip().splitlines()[-1]


def test_hsts_subdomains_and_preload_are_opt_in():
    assert setting_values("SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD") == "False False"
    opted_in = {"DJANGO_HSTS_INCLUDE_SUBDOMAINS": "true", "DJANGO_HSTS_PRELOAD": "true"}
    assert setting_values("SECURE_HSTS_INCLUDE_SUBDOMAINS", "SECURE_HSTS_PRELOAD", **opted_in) == "True True"
    result = manage("check", "--deploy", env=production_env(DJANGO_SECRET_KEY=secrets.token_urlsafe(64), **opted_in))
    assert result.returncode == 0 and "WARNINGS" not in result.stdout + result.stderr, result.stderr


# -- login throttling --------------------------------------------------------------------


def sign_in(client, username, password, address):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=address,
    )


def is_lockout(response):
    return response.status_code == 429 and "Too many failed sign-ins" in response.content.decode()


@pytest.mark.django_db
def test_repeated_failed_sign_ins_lock_the_account_from_that_address(superuser):
    limit = settings.AXES_FAILURE_LIMIT
    attacker = Client()
    for attempt in range(1, limit):
        response = sign_in(attacker, "admin", f"wrong guess {attempt}", "203.0.113.7")
        assert response.status_code == 200, attempt
        assert "Please enter the correct username and password" in response.content.decode()
    response = sign_in(attacker, "admin", "wrong guess again", "203.0.113.7")
    assert is_lockout(response)
    assert "Wait before trying again" in response.content.decode()

    # The right password no longer helps from that address.
    assert is_lockout(sign_in(attacker, "admin", PASSWORD, "203.0.113.7"))
    assert "_auth_user_id" not in attacker.session


@pytest.mark.django_db
def test_one_attacker_behind_a_shared_address_does_not_lock_out_the_other_editors(superuser, editor):
    # Behind a proxy that hides the clients' addresses, every editor seems to come from one address.
    shared = "10.0.0.1"
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        sign_in(Client(), "admin", f"wrong guess {attempt}", shared)
    assert is_lockout(sign_in(Client(), "admin", PASSWORD, shared))

    colleague = Client()
    response = sign_in(colleague, "editor", PASSWORD, shared)
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert colleague.session["_auth_user_id"] == str(editor.pk)
    # The account itself still signs in from another address.
    owner = Client()
    assert sign_in(owner, "admin", PASSWORD, "198.51.100.20").status_code == 302
    assert owner.session["_auth_user_id"] == str(superuser.pk)


def test_lockout_by_username_or_address_alone_can_be_chosen():
    assert setting_values("AXES_LOCKOUT_PARAMETERS") == "[['username', 'ip_address']]"
    either = setting_values("AXES_LOCKOUT_PARAMETERS", AXES_LOCKOUT_PARAMETERS="username,ip_address")
    assert either == "['username', 'ip_address']"
    result = manage(
        "check", env=production_env(DJANGO_SECRET_KEY=secrets.token_urlsafe(64), AXES_LOCKOUT_PARAMETERS="name")
    )
    assert result.returncode != 0
    assert "AXES_LOCKOUT_PARAMETERS" in result.stderr


@pytest.mark.django_db
@pytest.mark.parametrize("next_url", ["https://attacker.example/", "//attacker.example/admin/", None])
def test_signing_in_with_an_unsafe_or_no_next_address_lands_on_the_admin_home(editor, next_url):
    client = Client()
    data = {"username": "editor", "password": PASSWORD}
    url = "/admin/login/"
    if next_url is not None:
        data["next"] = next_url
        url += "?" + urlencode({"next": next_url})
    response = client.post(url, data, follow=True)
    assert response.redirect_chain[-1][0] == reverse("admin:index")
    assert response.status_code == 200
    assert "Curate the casebook" in response.content.decode()


@pytest.mark.django_db
def test_a_few_failed_sign_ins_do_not_lock_out_the_right_password(superuser):
    client = Client()
    for attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        sign_in(client, "admin", f"wrong guess {attempt}", "203.0.113.8")
    response = sign_in(client, "admin", PASSWORD, "203.0.113.8")
    assert response.status_code == 302 and response["Location"] == "/admin/"
    assert client.session["_auth_user_id"] == str(superuser.pk)


# -- roles -------------------------------------------------------------------------------


def admin_url_patterns():
    """(name, required parameters) of every admin URL of the cases app, from the resolver."""
    _, admin_resolver = get_resolver().namespace_dict["admin"]
    found = {}
    for name in admin_resolver.reverse_dict:
        if not isinstance(name, str) or not name.startswith("cases_"):
            continue
        for possibilities, *_ in admin_resolver.reverse_dict.getlist(name):
            for _, params in possibilities:
                found[name] = tuple(params)
    return sorted(found.items())


def test_the_admin_url_enumeration_covers_every_registered_model():
    names = {name for name, _ in admin_url_patterns()}
    registered = [model for model in admin.site._registry if model._meta.app_label == "cases"]
    assert {CaseStudy, Organization, Challenge, Source} <= set(registered)
    for model in registered:
        for view in ("changelist", "add", "change", "delete", "history"):
            assert f"cases_{model._meta.model_name}_{view}" in names


@pytest.mark.django_db
def test_anonymous_visitors_are_sent_to_the_login_page_from_every_admin_url(client):
    case = make_case(organizations=[make_organization("un")], challenges=[make_challenge()])
    make_source()
    make_objective()
    make_country()
    urls = ["/admin/", "/admin/attention/", reverse("admin:app_list", args=["cases"])]
    for name, params in admin_url_patterns():
        model_name = name.removeprefix("cases_").rsplit("_", 1)[0]
        model = next(m for m in admin.site._registry if m._meta.model_name == model_name)
        obj = model.objects.first() or case
        if params and params[0].startswith("_"):
            # reversion's positional patterns: recover/<version>/ and <object>/history/<version>/
            args = [1] if name.endswith("_recover") else [obj.pk, 1][: len(params)]
            urls.append(reverse(f"admin:{name}", args=args))
        else:
            values = {"object_id": obj.pk}
            urls.append(reverse(f"admin:{name}", kwargs={param: values.get(param, 1) for param in params}))
    assert len(urls) > 40
    for url in urls:
        for method in (client.get, client.post):
            response = method(url)
            assert response.status_code == 302, (method.__name__, url, response.status_code)
            assert response["Location"].startswith("/admin/login/?next="), url


def messages_of(response):
    return [str(message) for message in get_messages(response.wsgi_request)]


def change_form_data(response):
    """The data a browser would post back from an admin change page, unchanged."""
    data = {}

    def add(form):
        for bound in form:
            value = bound.value()
            if isinstance(value, bool):
                if value:
                    data[bound.html_name] = "on"
            elif isinstance(value, (list, tuple)):
                data[bound.html_name] = [str(item) for item in value]
            elif value is not None:
                data[bound.html_name] = str(value)

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        add(formset.management_form)
        for form in formset.initial_forms:
            add(form)
    return data


@pytest.fixture
def case_in_review(db):
    un = make_organization("un", name="United Nations")
    return make_case(
        "liberia-unmil",
        title="Liberia (UNMIL)",
        status=Status.REVIEW,
        organizations=[un],
        countries=[make_country("LR", "Liberia")],
        challenges=[make_challenge()],
    )


def publish_action(client, model, obj):
    opts = model._meta
    return client.post(
        reverse(f"admin:cases_{opts.model_name}_changelist"),
        {"action": "publish", helpers.ACTION_CHECKBOX_NAME: [obj.pk], "index": 0},
        follow=True,
    )


def test_an_editor_cannot_publish_with_the_admin_action(client, editor, case_in_review):
    client.force_login(editor)
    response = publish_action(client, CaseStudy, case_in_review)
    assert response.status_code == 200
    case_in_review.refresh_from_db()
    assert case_in_review.status == Status.REVIEW
    assert "Only reviewers may publish case studies." in messages_of(response)
    assert "Only reviewers may publish case studies." in response.content.decode()


def test_an_editor_cannot_publish_from_the_change_form(client, editor, case_in_review):
    client.force_login(editor)
    url = reverse("admin:cases_casestudy_change", args=[case_in_review.pk])
    page = client.get(url)
    assert page.status_code == 200
    data = change_form_data(page)
    data["title"] = "Liberia (UNMIL), edited"
    response = client.post(url, {**data, "_transition": Status.PUBLISHED}, follow=True)
    assert response.status_code == 200
    case_in_review.refresh_from_db()
    # The edit is kept; the publication is refused with a reason, and nothing claims success.
    assert case_in_review.title == "Liberia (UNMIL), edited"
    assert case_in_review.status == Status.REVIEW
    shown = messages_of(response)
    assert shown == [
        "Only reviewers may publish case studies. Your other changes to “Liberia (UNMIL), edited” were saved; "
        "it is still in review."
    ]
    page = response.content.decode()
    assert "Only reviewers may publish case studies." in page
    assert "successfully" not in page
    # The editor stays on the record's form.
    assert response.redirect_chain[-1][0] == url


def test_a_reviewer_publishes_with_the_action_and_from_the_change_form(client, reviewer, case_in_review):
    client.force_login(reviewer)
    response = publish_action(client, CaseStudy, case_in_review)
    case_in_review.refresh_from_db()
    assert case_in_review.status == Status.PUBLISHED
    assert case_in_review.status_changed_by == reviewer
    assert any("it is now published" in message for message in messages_of(response))
    assert client.get(case_in_review.get_absolute_url()).status_code == 200

    organization = make_organization("au", name="African Union", status=Status.REVIEW)
    url = reverse("admin:cases_organization_change", args=[organization.pk])
    data = change_form_data(client.get(url))
    client.post(url, {**data, "_transition": Status.PUBLISHED})
    organization.refresh_from_db()
    assert organization.status == Status.PUBLISHED


@pytest.mark.parametrize("model", [CaseStudy, Organization])
def test_only_a_superuser_deletes_published_content(client, editor, reviewer, superuser, model):
    record = make_case(status=Status.PUBLISHED) if model is CaseStudy else make_organization("nato")
    url = reverse(f"admin:cases_{model._meta.model_name}_delete", args=[record.pk])
    for user in (editor, reviewer):
        client.force_login(user)
        assert client.get(url).status_code == 403, user
        assert client.post(url, {"post": "yes"}).status_code == 403, user
        assert model.objects.filter(pk=record.pk).exists()
    client.force_login(superuser)
    response = client.post(url, {"post": "yes"})
    assert response.status_code == 302
    assert not model.objects.filter(pk=record.pk).exists()


def test_an_editor_cannot_change_a_published_record(client, editor):
    case = make_case(status=Status.PUBLISHED, title="Kosovo (KFOR)")
    client.force_login(editor)
    url = reverse("admin:cases_casestudy_change", args=[case.pk])
    client.post(url, {"title": "Vandalised", "_transition": Status.DRAFT})
    case.refresh_from_db()
    assert case.title == "Kosovo (KFOR)" and case.status == Status.PUBLISHED
    assert not Version.objects.get_for_object(case).exists()


# -- CSRF --------------------------------------------------------------------------------


@pytest.mark.django_db
def test_admin_posts_without_the_csrf_token_are_refused(superuser):
    client = Client(enforce_csrf_checks=True)
    client.force_login(superuser)
    url = reverse("admin:cases_objective_add")
    data = {"name": "Protection of civilians", "slug": "protection-of-civilians"}

    response = client.post(url, data)
    assert response.status_code == 403
    assert "CSRF" in response.content.decode()
    assert not Objective.objects.exists()

    case = make_case(status=Status.REVIEW)
    response = client.post(
        reverse("admin:cases_casestudy_changelist"),
        {"action": "publish", helpers.ACTION_CHECKBOX_NAME: [case.pk], "index": 0},
    )
    assert response.status_code == 403
    case.refresh_from_db()
    assert case.status == Status.REVIEW

    # The same post with the token from the form goes through.
    client.get(url)
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    response = client.post(url, {**data, "csrfmiddlewaretoken": token})
    assert response.status_code == 302
    assert Objective.objects.filter(slug="protection-of-civilians").exists()
