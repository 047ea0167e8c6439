"""
Server-drawn SVG world maps: the shapes come ready as path data (cases/geodata/world-map.json,
made by scripts/build_world_map.py), so a request only chooses which countries are links and
what shade each one gets.

Two kinds, drawn by templates/includes/world_map.html:
- a choropleth (`choropleth()`): countries shaded by a count, each country with a count a link;
- a locator (`locator()`): a few countries highlighted and linked, the view zoomed on them.

A country with data is an `<a>` with a name a screen reader reads ("Sierra Leone: 3 case
studies"); the others are plain shapes hidden from assistive technology. Every map comes with
the same data as a table.
"""

import json
import math
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from urllib.parse import urlencode

from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

from cases.markup import join_html

SHAPES = Path(__file__).resolve().parent / "geodata" / "world-map.json"
# Shades of the choropleth, lightest first: a count falls in the first step whose upper bound
# it does not exceed (the bounds split the largest count in STEPS parts).
STEPS = 4
# A locator shows at least this much of the world around its countries (in map units, the
# world being 1000 wide), so that a small country is seen where it lies, in a view about as
# wide as the infobox it sits in (between ASPECTS wide per unit of height).
MIN_VIEW_WIDTH = 160
ASPECTS = (1.3, 2.0)
MARGIN = 15


@cache
def world():
    """The shapes, read once per process."""
    return json.loads(SHAPES.read_text())


@cache
def shape_paths():
    """Each country's `<path>` element, escaped once per process: every map draws the same shapes."""
    return {code: format_html('<path d="{}"/>', shape["d"]) for code, shape in world()["countries"].items()}


@dataclass
class MapCountry:
    code: str
    name: str
    url: str
    count: int | None = None
    step: int = 0
    chosen: bool = False

    @property
    def drawn(self):
        return self.code in world()["countries"]

    def title(self, count_label):
        """What its shape's tooltip reads: "Sierra Leone: 3 case studies"."""
        return f"{self.name}: {self.count} {count_label.lower()}" if self.count else self.name


CHOSEN_MARK = SafeString(' <span class="muted">(chosen)</span>')
TOO_SMALL_MARK = SafeString(' <span class="muted">(too small for the map)</span>')


@dataclass
class WorldMap:
    title: str
    description: str
    countries: list  # MapCountry, the linked ones
    background: list  # codes of every other country drawn, plain shapes
    view_box: str
    count_label: str = ""  # the table's count column, for a choropleth
    legend: list = None  # [(step, "1–2")]
    caption: str = ""

    @property
    def not_drawn(self):
        """Linked countries too small for the 1:110m shapes: only the table lists them."""
        return [country for country in self.countries if not country.drawn]

    # The shapes and the table rows are joined in Python (see cases.markup): a choropleth links up
    # to 250 countries.
    @property
    def background_shapes(self):
        paths = shape_paths()
        return mark_safe("".join(paths[code] for code in self.background))

    @property
    def linked_shapes(self):
        paths = shape_paths()
        return join_html(
            "\n",
            '<a href="{}" class="map-country map-step-{}{}" aria-label="{}{}"><title>{}</title>{}</a>',
            (
                (
                    country.url,
                    country.step,
                    " map-chosen" if country.chosen else "",
                    title,
                    " (chosen: remove this filter)" if country.chosen else "",
                    title,
                    paths[country.code],
                )
                for country in self.countries
                if country.drawn
                for title in [country.title(self.count_label)]
            ),
        )

    @property
    def table_rows(self):
        row = (
            '<tr><td><a href="{}">{}</a>{}{}</td><td class="num">{}</td></tr>'
            if self.count_label
            else '<tr><td><a href="{}">{}</a>{}{}</td></tr>'
        )
        return join_html(
            "",
            row,
            (
                (
                    country.url,
                    country.name,
                    CHOSEN_MARK if country.chosen else "",
                    "" if country.drawn else TOO_SMALL_MARK,
                    country.count,
                )
                for country in self.countries
            ),
        )


def step_bounds(largest):
    """The upper bound of each shade: at most STEPS, each covering at least one count."""
    bounds = []
    for step in range(1, STEPS + 1):
        bound = math.ceil(largest * step / STEPS)
        if not bounds or bound > bounds[-1]:
            bounds.append(bound)
    return bounds


def choropleth(rows, *, title, description, count_label, caption=""):
    """
    A world map of counts: `rows` are MapCountry with a count (those without one, or with 0,
    are drawn as plain shapes). The table lists the rows with a count, largest first.
    """
    counted = [row for row in rows if row.count]
    bounds = step_bounds(max((row.count for row in counted), default=0))
    # With fewer steps than shades, the darkest ones: the largest count is always the darkest.
    first = STEPS - len(bounds) + 1
    for row in counted:
        row.step = next(index for index, bound in enumerate(bounds, start=first) if row.count <= bound)
    legend, low = [], 1
    for index, bound in enumerate(bounds, start=first):
        legend.append((index, str(low) if low == bound else f"{low}–{bound}"))
        low = bound + 1
    linked = {row.code for row in counted}
    counted.sort(key=lambda row: (-row.count, row.name))
    shapes = world()["countries"]
    return WorldMap(
        title=title,
        description=description,
        countries=counted,
        background=[code for code in shapes if code not in linked],
        view_box=f"0 0 {world()['width']} {world()['height']}",
        count_label=count_label,
        legend=legend,
        caption=caption,
    )


def locator(rows, *, title, description, caption=""):
    """A map zoomed on the `rows` (MapCountry), each highlighted and linked; the rest of the view plain."""
    shapes = world()["countries"]
    boxes = [shapes[row.code]["box"] for row in rows if row.code in shapes]
    left, top, right, bottom = view_around(boxes)
    linked = {row.code for row in rows}
    view = (left, top, right, bottom)
    background = [code for code, shape in shapes.items() if code not in linked and overlaps(shape["box"], view)]
    return WorldMap(
        title=title,
        description=description,
        countries=list(rows),
        background=background,
        view_box=f"{left} {top} {right - left} {bottom - top}",
        caption=caption,
    )


def view_around(boxes):
    """(left, top, right, bottom) of a view showing every box with a margin, and some surroundings."""
    width, height = world()["width"], world()["height"]
    if not boxes:
        return 0, 0, width, height
    left = min(box[0] for box in boxes) - MARGIN
    top = min(box[1] for box in boxes) - MARGIN
    right = max(box[2] for box in boxes) + MARGIN
    bottom = max(box[3] for box in boxes) + MARGIN
    # Widen a small view, then the narrower side, about its centre.
    wide = max(right - left, MIN_VIEW_WIDTH, (bottom - top) * ASPECTS[0])
    high = max(bottom - top, wide / ASPECTS[1])
    left, right = (left + right - wide) / 2, (left + right + wide) / 2
    top, bottom = (top + bottom - high) / 2, (top + bottom + high) / 2
    # Never beyond the world: shift the view back inside, or show all of it.
    left, right = _within(left, right, width)
    top, bottom = _within(top, bottom, height)
    return round(left), round(top), round(right), round(bottom)


def _within(low, high, limit):
    if high - low >= limit:
        return 0, limit
    if low < 0:
        return 0, high - low
    if high > limit:
        return limit - (high - low), limit
    return low, high


def overlaps(box, view):
    return box[0] <= view[2] and box[2] >= view[0] and box[1] <= view[3] and box[3] >= view[1]


def host_country_map(options, query, *, filtering_by_country):
    """
    The case-study list's map: its results per host country, from the country facet's
    `options` (the counts beside its checkboxes). A country with results links to the list
    with it added to the chosen countries (a chosen one, to the list without it); the other
    parameters of `query` stay, less the page number.
    """
    kept = query.copy()
    for name in ("page", "more", "country"):
        kept.pop(name, None)
    kept = kept.urlencode()
    chosen = [option["value"] for option in options if option["selected"]]
    rows = []
    for option in options:
        if not option["count"] and not option["selected"]:
            continue
        code = option["value"]
        countries = [other for other in chosen if other != code] if option["selected"] else [*chosen, code]
        link = "&".join(part for part in (kept, urlencode([("country", c) for c in countries])) if part)
        count, selected = option["count"], option["selected"]
        rows.append(MapCountry(code=code, name=option["label"], url=f"?{link}", count=count, chosen=selected))
    if filtering_by_country:
        # As beside the facet's checkboxes: what choosing each country would give.
        shading = "Shaded by the number of case studies each country hosted that match the other filters"
        links = "A country with case studies adds it to the chosen ones (outlined), or removes a chosen one."
    else:
        shading = "Shaded by the number of these case studies each country hosted"
        links = "A country with case studies filters the list by it."
    caption = f"{shading} (a mission with several host countries counts for each)."
    return choropleth(
        rows,
        title="Case studies by host country",
        description=f"{caption} {links}",
        caption=caption,
        count_label="Case studies",
    )


def host_countries_map(case):
    """A mission page's map: its (prefetched) host countries highlighted, each linking to its page."""
    hosts = [
        MapCountry(code=country.code, name=country.name, url=country.get_absolute_url())
        for country in case.countries.all()
    ]
    return locator(
        hosts,
        title=f"Host countr{'y' if len(hosts) == 1 else 'ies'} of {case.acronym or case.title}",
        description="The host countries are highlighted, each a link to its page; the others are drawn for context.",
    )


def hosts_map(countries):
    """The countries index's map: operations hosted per country, each country a link to its page."""
    rows = [
        MapCountry(code=country.code, name=country.name, url=country.get_absolute_url(), count=country.hosted_count)
        for country in countries
    ]
    caption = (
        "Shaded by the number of operations each country hosted "
        "(a mission with several host countries counts for each)."
    )
    return choropleth(
        rows,
        title="Operations by host country",
        description=f"{caption} Each country that hosted one is a link to its page.",
        caption=caption,
        count_label="Operations hosted",
    )


def country_locator(country):
    """A country page's map: the country where it lies, a link to the operations it hosted."""
    return locator(
        [MapCountry(code=country.code, name=country.name, url="#hosted-heading")],
        title=f"{country.name} on the world map",
        description=(
            f"{country.name} is highlighted, a link to the operations it hosted; the others are drawn for context."
        ),
    )
