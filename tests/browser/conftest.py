"""Headless Chromium (Debian's package) driven by Playwright for Python."""

import os
import shutil

import pytest
from django.contrib.auth.models import Group, User
from playwright.sync_api import expect

from cases.models import Source
from tests.factories import make_country, make_source

# Playwright's sync API runs an event loop in the test thread; the ORM calls the tests make
# around it are still synchronous and safe.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "tests/browser/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.browser)
            if not CHROMIUM:
                item.add_marker(pytest.mark.skip(reason="chromium is not installed (Debian package 'chromium')"))


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    yield page
    context.close()


@pytest.fixture
def casebook(shipped_casebook):
    """The shipped content (see tests/conftest.py)."""


PASSWORD = "correct horse battery"


@pytest.fixture
def accounts(request, database_snapshots):

    if "casebook" in request.fixturenames:
        # The content comes first: putting it back replaces the whole database.
        request.getfixturevalue("casebook")
    else:
        database_snapshots.restore("migrated")
    editor = User.objects.create_user("edith", password=PASSWORD, is_staff=True)
    editor.groups.add(Group.objects.get(name="Editors"))
    reviewer = User.objects.create_user("rafael", password=PASSWORD, is_staff=True)
    reviewer.groups.add(Group.objects.get(name="Reviewers"))
    make_country("LR", "Liberia")
    if not Source.objects.filter(key="unsc-res-1509-2003").exists():
        make_source(key="unsc-res-1509-2003", title="Resolution 1509 (2003)", identifier="S/RES/1509 (2003)")
    return editor, reviewer


def log_in(page, base, username):
    page.goto(f"{base}/admin/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator("#site-name")).to_be_visible()
