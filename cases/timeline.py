"""
A server-rendered SVG timeline: one bar per mission from start to end (ongoing missions run to
today and are drawn open-ended), coloured by lead organisation, each bar a link.
"""

import datetime
from dataclasses import dataclass

from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.text import Truncator

from cases.charts import PALETTE, svg_number
from cases.markup import format_markup, join_html
from cases.models import CaseOrganization, CaseStudy, published

MAX_BARS = 60
LEFT, RIGHT, TOP, ROW, BAR = 150, 16, 28, 22, 14
WIDTH = 900
NO_LEAD = "No lead recorded"


def colour_of(lead, colour=""):
    """
    Each organisation's colour is set by editors (Organization.colour). One without a colour gets
    one from the charts' colour-blind-safe palette, picked by its acronym, so that it keeps the
    same colour on every page.
    """
    return colour or PALETTE[sum(map(ord, lead)) % len(PALETTE)]


@dataclass
class Bar:
    title: str
    label: str
    url: str
    x: float
    y: float
    width: float
    colour: str
    lead: str
    years: str
    ongoing: bool

    @property
    def svg(self):
        """The bar's coordinates as SVG attributes: x, y, width, the label's y, the arrowhead."""
        end = self.x + self.width
        arrow = [(end, self.y), (end + 8, self.y + BAR / 2), (end, self.y + BAR)]
        return {
            "x": svg_number(self.x),
            "y": svg_number(self.y),
            "width": svg_number(self.width),
            "text_y": svg_number(self.y + 11),
            # An open end for ongoing missions: a small arrowhead after the bar.
            "arrow_points": " ".join(f"{svg_number(x)},{svg_number(y)}" for x, y in arrow),
        }


# A bar, and its row in the table alternative: up to MAX_BARS of each, joined in Python (see
# cases.markup). The arguments: 0 url, 1 title, 2 years, 3 lead, 4 label's x, 5 label's y,
# 6 label, 7 x, 8 y, 9 width, 10 colour, 11 the arrowhead of an ongoing mission.
BAR_MARKUP = """
    <a href="{0}" aria-label="{1}, {2}, led by {3}">
      <text x="{4}" y="{5}" font-size="12" text-anchor="end" fill="#1d2430">{6}</text>
      <rect x="{7}" y="{8}" width="{9}" height="14" rx="3" fill="{10}"><title>{1} ({2}), led by {3}</title></rect>{11}
    </a>"""
ARROW_MARKUP = '\n      <polygon points="{}" fill="{}"/>'
TABLE_ROW_MARKUP = '<tr><td><a href="{}">{}</a></td><td>{}</td><td>{}</td></tr>'


def bars_markup(bars, label_x):
    rows = []
    for bar in bars:
        svg = bar.svg
        arrow = format_markup(ARROW_MARKUP, svg["arrow_points"], bar.colour) if bar.ongoing else ""
        label = Truncator(bar.label).chars(22)
        rows.append(
            (bar.url, bar.title, bar.years, bar.lead, label_x, svg["text_y"], label)
            + (svg["x"], svg["y"], svg["width"], bar.colour, arrow)
        )
    return join_html("", BAR_MARKUP, rows)


def table_rows_markup(bars):
    return join_html("", TABLE_ROW_MARKUP, ((bar.url, bar.title, bar.years, bar.lead) for bar in bars))


def timeline_rows(queryset):
    """The missions to draw, each with its lead organisation, in one query."""
    lead = CaseOrganization.objects.filter(
        published("organization"), case_study=OuterRef("pk"), role=CaseOrganization.Role.LEAD
    )
    # The first bars are chosen before their lead organisation is looked up: a lookup in the
    # outer query would run for every matching row, not for the few drawn.
    first_bars = queryset.order_by("start_date", "title", "id").values("pk")[: MAX_BARS + 1]
    return list(
        CaseStudy.objects.filter(pk__in=first_bars)
        .order_by("start_date", "title", "id")
        .annotate(
            lead_acronym=Subquery(lead.values("organization__acronym")[:1]),
            lead_colour=Subquery(lead.values("organization__colour")[:1]),
        )
        .only("title", "slug", "acronym", "start_date", "end_date")
    )


def page_rows(cases):
    """
    The case studies of one list page, by start date, each with its lead organisation read from
    the roles the list has already loaded (CaseStudyQuerySet.for_list): no query of its own.
    """
    for case in cases:
        lead = next(
            (
                role.organization
                for role in case.roles.all()
                if role.role == CaseOrganization.Role.LEAD and role.organization.is_published
            ),
            None,
        )
        case.lead_acronym = lead.acronym if lead else None
        case.lead_colour = lead.colour if lead else ""
    return sorted(cases, key=lambda case: (case.start_date, case.title, case.pk))


def timeline_chart(cases, today=None):
    today = today or timezone.now().date()
    shown = cases[:MAX_BARS]
    if not shown:
        return None
    first = min(case.start_date.year for case in shown)
    last = max((case.end_date or today).year for case in shown) + 1
    first -= first % 5
    span = max(last - first, 1)
    plot = WIDTH - LEFT - RIGHT

    def x_of(date):
        year_fraction = (date - datetime.date(date.year, 1, 1)).days / 365.25
        return LEFT + (date.year + year_fraction - first) / span * plot

    colours = {
        lead: colour_of(lead, colour)
        for lead, colour in sorted({(case.lead_acronym or NO_LEAD, case.lead_colour or "") for case in shown})
    }
    bars = []
    for row, case in enumerate(shown):
        start, end = x_of(case.start_date), x_of(case.end_date or today)
        lead = case.lead_acronym or NO_LEAD
        bars.append(
            Bar(
                title=case.title,
                label=case.acronym or case.title[:18],
                url=case.get_absolute_url(),
                x=round(start, 1),
                y=TOP + row * ROW,
                width=round(max(end - start, 3), 1),
                colour=colours[lead],
                lead=lead,
                years=case.years_display,
                ongoing=case.end_date is None,
            )
        )
    step = 5 if span <= 40 else 10 if span <= 90 else 20
    ticks = [
        {"x": svg_number(LEFT + (year - first) / span * plot), "year": str(year)}
        for year in range(first, last + 1, step)
    ]
    height = TOP + len(bars) * ROW + 8
    label_x = svg_number(LEFT - 6)
    return {
        "width": svg_number(WIDTH),
        "height": svg_number(height),
        "bars": bars,
        "ticks": ticks,
        "legend": [{"lead": lead, "colour": colour} for lead, colour in colours.items()],
        "axis_bottom": svg_number(height - 4),
        "bars_markup": bars_markup(bars, label_x),
        "table_rows_markup": table_rows_markup(bars),
        "truncated": len(cases) > MAX_BARS,
        "max_bars": MAX_BARS,
        "first": str(first),
        "last": str(last - 1),
    }
