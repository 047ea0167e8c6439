import json

from django import template
from django.http import QueryDict
from django.urls import reverse
from django.utils import dateformat
from django.utils.html import _json_script_escapes
from django.utils.safestring import mark_safe

from cases import selectors
from cases.cache import computed_once_per_version
from cases.filters import sorted_by_figure
from cases.markup import format_markup, join_html

register = template.Library()


@register.filter
def ld_json(value):
    """A JSON-LD data block; '<', '>' and '&' escaped so text can never close the element."""
    data = json.dumps(value, ensure_ascii=False).translate(_json_script_escapes)
    return mark_safe(f'<script type="application/ld+json">{data}</script>')


@register.simple_tag
def sort_figure(case, sort):
    """(label, value) of the figure the list is sorted by, or None (see cases.filters)."""
    return sorted_by_figure(case, sort)


# The facet panel's checkboxes are the list page's longest loops (hundreds of options at scale):
# their markup is joined in Python (see cases.markup).
FACET_OPTION = (
    '<li{}><label><input type="{}" name="{}" value="{}"{}{}> {} <span class="facet-count">'
    '({}<span class="visually-hidden"> result{}</span>)</span></label></li>'
)


@register.simple_tag
def facet_options(facet):
    """A facet's options (see CaseStudyFilter.facets): each a checkbox, or a radio button, and its count."""
    input_type = "checkbox" if facet["multiple"] else "radio"
    return join_html(
        "\n",
        FACET_OPTION,
        (
            (
                mark_safe(' class="facet-empty"') if empty else "",
                input_type,
                facet["name"],
                option["value"],
                mark_safe(" checked") if option["selected"] else "",
                mark_safe(" disabled") if empty else "",
                option["label"],
                option["count"],
                "" if option["count"] == 1 else "s",
            )
            for option in facet["options"]
            for empty in [not option["count"] and not option["selected"]]
        ),
    )


@register.simple_tag
def checkbox_options(name, choices, chosen):
    """A checkbox for each (value, label) of `choices`, those in `chosen` checked."""
    return join_html(
        "\n",
        '<li><label><input type="checkbox" name="{}" value="{}"{}> {}</label></li>',
        ((name, value, mark_safe(" checked") if value in chosen else "", label) for value, label in choices),
    )


COUNTRY_ROW = '<tr><td><a href="{}">{}</a></td><td>{}</td>\n  <td class="num">{}</td>\n  <td class="num">{}</td></tr>'
COUNTED_LINK = '<a href="{}?{}={}" aria-label="{} operation{} {}">{}</a>'


@register.simple_tag
def country_rows(countries):
    """The countries index's table: each country with links to the operations it hosted and contributed to."""
    list_url = reverse("cases:list")

    def counted(count, parameter, country, what):
        if not count:
            return "0"
        plural = "" if count == 1 else "s"
        return format_markup(COUNTED_LINK, list_url, parameter, country.code, count, plural, what, f"{count:,}")

    return join_html(
        "\n",
        COUNTRY_ROW,
        (
            (
                country.get_absolute_url(),
                country.name,
                country.get_region_display(),
                counted(country.hosted_count, "country", country, f"hosted by {country.name}"),
                counted(country.contributed_count, "contributor", country, f"{country.name} contributed to"),
            )
            for country in countries
        ),
    )


# The country page's tables of UN figures have a row per mission: over a hundred for the largest
# contributors, each a link. Joined in Python, as the countries index is.
UN_MISSION_ROW = '<tr><th scope="row">{}</th>{}</tr>'
FIGURE_CELL = '<td class="num">{}</td>'
MONTH_CELL = "<td>{}</td>"


def mission_heading(row, fragment=""):
    """A mission's name in the UN data, linked to its case study where the casebook has one published."""
    if row["case_study"] is None:
        return row["acronym"]
    return format_markup('<a href="{}{}">{}</a>', row["case_study"].get_absolute_url(), fragment, row["acronym"])


@register.simple_tag
def nationals_fatalities_rows(missions):
    """The deaths of a country's nationals, a row per mission (see un_figures.nationals_fatalities)."""
    return join_html(
        "",
        UN_MISSION_ROW,
        ((mission_heading(row, "#fatalities"), format_markup(FIGURE_CELL, f"{row['count']:,}")) for row in missions),
    )


@register.simple_tag
def un_contribution_rows(missions):
    """A country's uniformed personnel, a row per mission: peak and latest month (un_figures.country_contributions)."""
    return join_html(
        "",
        UN_MISSION_ROW,
        (
            (
                mission_heading(row),
                format_markup(
                    FIGURE_CELL + MONTH_CELL + FIGURE_CELL + MONTH_CELL,
                    f"{row['peak']:,}",
                    dateformat.format(row["peak_month"], "M Y"),
                    f"{row['latest']:,}",
                    dateformat.format(row["latest_month"], "M Y"),
                ),
            )
            for row in missions
        ),
    )


@register.filter
def backlink_letter(index):
    """a, b, … z, then aa, ab, …: the letters a reference's back-links are known by."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(ord("a") + remainder) + letters
    return letters


# The formats a list of references is offered in, by URL suffix.
REFERENCE_FORMATS = (("bib", "BibTeX"), ("ris", "RIS"), ("json", "CSL-JSON"))


@register.inclusion_tag("includes/reference_exports.html")
def reference_exports(references=None, kind="", filters=""):
    """
    Links to a page's references in each format; without them, to every source, those of one
    kind, or those the bibliography's `filters` (its query string) choose.
    """
    query = QueryDict(filters, mutable=True)
    if references is not None:
        query.setlist("key", [entry.source.key for entry in references.entries])
    if kind:
        query["kind"] = kind
    return {"formats": REFERENCE_FORMATS, "query": query.urlencode()}


@register.inclusion_tag("includes/way_on.html", takes_context=True)
def way_on(context, search_box=True):
    """A way on from a dead end (a missing page, no results): a search box and popular entries."""
    request = context.get("request")
    entries = computed_once_per_version("popular-case-studies", selectors.popular_case_studies, request)
    return {"search_box": search_box, "popular": entries}
