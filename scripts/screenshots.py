"""
Screenshots of the home, list, case-study and admin pages at phone and desktop widths, and of
the editorial model (an editor's proposed change, a reviewer's review of it) at desktop width,
for the README: `make screenshots` writes them to docs/screenshots/.

It builds a throwaway SQLite casebook with the shipped content, serves it on 127.0.0.1 and
photographs it with headless Chromium.
"""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from playwright.sync_api import sync_playwright

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "docs" / "screenshots"
WIDTHS = {"phone": (360, 740), "desktop": (1280, 900)}
PAGES = {
    "home": "/",
    "list": "/cases/?region=africa",
    "case": "/cases/sierra-leone-unamsil/",
    "country": "/countries/SL/",
    "compare": "/compare/?cases=sierra-leone-unamsil&cases=somalia-amisom",
    "admin": "/admin/cases/casestudy/",
}
# Parts of a page, photographed alone at desktop width: (file name, page, element).
SECTIONS = [
    ("case-fatalities", "/cases/sierra-leone-unamsil/", "section.fatalities"),
    ("case-strength", "/cases/sierra-leone-unamsil/", "section[aria-labelledby='strength']"),
]
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def main():
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if not chromium:
        sys.exit("chromium is not installed (Debian package 'chromium').")
    workdir = Path(tempfile.mkdtemp(prefix="casebook-shots-"))
    env = {
        **os.environ,
        "DJANGO_DEBUG": "true",
        "DATABASE_URL": f"sqlite:///{workdir / 'db.sqlite3'}",
        "EDITOR_PASSWORD": "screenshot editor passphrase",
    }
    python = sys.executable

    def manage(*args):
        subprocess.run([python, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)

    manage("migrate", "--noinput")
    manage("load_content")
    manage("create_account", "editor", "--role", "reviewer", "--password-env", "EDITOR_PASSWORD")
    manage("create_account", "maria", "--role", "editor", "--password-env", "EDITOR_PASSWORD")
    port = free_port()
    server = subprocess.Popen(
        [python, "manage.py", "runserver", f"127.0.0.1:{port}", "--noreload"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(base + "/robots.txt", timeout=2)
                break
            except OSError:
                time.sleep(0.1)
        OUT.mkdir(parents=True, exist_ok=True)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            for device, (width, height) in WIDTHS.items():
                context = browser.new_context(viewport={"width": width, "height": height})
                page = context.new_page()
                page.goto(base + "/admin/login/")
                page.fill("#id_username", "editor")
                page.fill("#id_password", env["EDITOR_PASSWORD"])
                page.click("input[type=submit]")
                for name, path in PAGES.items():
                    if name != "admin":
                        # Readers' pages are shown as readers see them.
                        reader = browser.new_context(viewport={"width": width, "height": height})
                        shot = reader.new_page()
                        shot.goto(base + path)
                        shot.screenshot(path=OUT / f"{name}-{device}.png")
                        reader.close()
                    else:
                        page.goto(base + path)
                        page.screenshot(path=OUT / f"{name}-{device}.png")
                    print(f"wrote docs/screenshots/{name}-{device}.png")
                context.close()
            reader = browser.new_context(viewport=dict(zip(("width", "height"), WIDTHS["desktop"], strict=True)))
            shot = reader.new_page()
            for name, path, selector in SECTIONS:
                shot.goto(base + path)
                shot.locator(selector).screenshot(path=OUT / f"{name}-desktop.png")
                print(f"wrote docs/screenshots/{name}-desktop.png")
            reader.close()
            # The dark theme, as a reader whose system asks for it sees a case study.
            dark = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme="dark")
            shot = dark.new_page()
            shot.goto(base + PAGES["case"])
            shot.screenshot(path=OUT / "case-dark-desktop.png")
            print("wrote docs/screenshots/case-dark-desktop.png")
            dark.close()
            photograph_a_proposal(browser, base, env["EDITOR_PASSWORD"])
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
        shutil.rmtree(workdir, ignore_errors=True)


def log_in(browser, base, username, password):
    width, height = WIDTHS["desktop"]
    page = browser.new_context(viewport={"width": width, "height": height}).new_page()
    page.goto(base + "/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    return page


def photograph_a_proposal(browser, base, password):
    """An editor proposes a change to the published KFOR page; the reviewer opens it."""
    editor = log_in(browser, base, "maria", password)
    editor.goto(base + "/admin/cases/casestudy/?q=KFOR")
    editor.get_by_role("link", name="Kosovo: the NATO-led Kosovo Force (KFOR)").click()
    summary = editor.locator("#id_summary")
    summary.fill(summary.input_value().replace("The Kosovo Force (KFOR) is", "The Kosovo Force (KFOR) has been"))
    editor.locator("#id_change_summary").fill("Wording of the first sentence")
    editor.get_by_role("button", name="Save and submit for review").click()
    editor.screenshot(path=OUT / "proposal-editor-desktop.png")
    print("wrote docs/screenshots/proposal-editor-desktop.png")
    reviewer = log_in(browser, base, "editor", password)
    reviewer.goto(base + "/admin/attention/")
    reviewer.locator("#proposals + ul a").first.click()
    reviewer.screenshot(path=OUT / "proposal-review-desktop.png", full_page=True)
    print("wrote docs/screenshots/proposal-review-desktop.png")


if __name__ == "__main__":
    main()
