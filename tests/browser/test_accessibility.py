"""axe-core in headless Chromium on every public page type, at phone and desktop widths, light and dark."""

import pytest
from axe_playwright_python.sync_playwright import Axe

PAGES = [
    "/",
    "/cases/",
    "/cases/?organization=un&region=africa",
    "/cases/?organization=nato&region=oceania",
    "/cases/?active_in=nineteen",
    "/cases/sierra-leone-unamsil/",
    "/cases/?country=SL&organization=un",
    "/countries/SO/",
    "/countries/",
    "/cases/kosovo-kfor/history/",
    "/cases/kosovo-kfor/v/1/",
    "/organizations/au/history/",
    "/organizations/au/v/1/",
    "/challenges/host-state-consent/history/",
    "/challenges/host-state-consent/v/1/",
    "/sources/unsc-res-1270-1999/history/",
    "/sources/unsc-res-1270-1999/v/1/",
    "/organizations/",
    "/organizations/au/",
    "/challenges/",
    "/challenges/host-state-consent/",
    "/sources/",
    "/sources/unsc-res-1270-1999/",
    "/search/?q=ceasefire",
    "/search/?q=zzzzqqq",
    "/search/?q=Kosvo+elephants",
    "/search/?q=resolution&kind=source&page=2",
    "/cases/?q=kosvo+elephants",
    "/compare/?cases=kosovo-kfor&cases=somalia-amisom",
    "/about/",
    "/about/methodology/",
    "/about/editorial-policy/",
    "/about/shortcuts/",
    "/report/?page=/cases/sierra-leone-unamsil/",
    "/compare/",
    "/sources/?kind=book&year_from=1990",
    "/downloads/",
    "/api/v1/docs/",
    "/no-such-page/",
]
# Every rule at both widths in the light theme. The site follows the reader's system setting,
# so the dark theme must pass too: it changes colours only, so there the rules about colour are
# what can newly fail, checked at the desktop width (the phone layout shows the same elements in
# the same colours, folded).
WIDTHS_AND_SCHEMES = [(360, "light"), (1280, "light"), (1280, "dark")]
COLOUR_RULES = {"runOnly": {"type": "rule", "values": ["color-contrast", "link-in-text-block"]}}


@pytest.mark.parametrize("width,scheme", WIDTHS_AND_SCHEMES)
def test_no_axe_violations_on_any_public_page(live_server, browser, casebook, scheme, width):
    # One test per theme and width.
    axe = Axe()
    problems = []
    page = browser.new_page(viewport={"width": width, "height": 800}, color_scheme=scheme)
    for path in PAGES:
        response = page.goto(live_server.url + path)
        expected = 404 if path == "/no-such-page/" else 200
        assert response.status == expected, f"{path} answered {response.status}"
        options = {"resultTypes": ["violations"], **(COLOUR_RULES if scheme == "dark" else {})}
        for violation in axe.run(page, options=options).response["violations"]:
            targets = [node["target"] for node in violation["nodes"]][:3]
            problems.append(f"{path}: {violation['id']} ({violation['impact']}) {targets}")
    page.close()
    assert not problems, "\n".join(problems)
