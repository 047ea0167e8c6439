"""
Server-rendered SVG charts: the geometry (scales, ticks, paths, positions) is worked out here, and
templates/includes/line_chart.svg.html and bar_chart.svg.html draw it. Two kinds:

- `line_chart`: one or more series of dated values over a time axis, each series drawn as a
  line or as steps (a value that holds until the next one, such as an authorised ceiling), every
  point a link (to its citation, say);
- `bar_chart`: counts by year.

The project writes its own SVG rather than using a charting library: the site's content security
policy forbids the `<style>` elements and inline styles such libraries embed, and every chart
here needs a table alternative and per-point links, which they do not give. Charts are drawn in
a small coordinate space (WIDTH) and scaled by the browser, so that their text stays legible
when a phone shrinks them to its width.
"""

import datetime
import math
from dataclasses import dataclass, field

WIDTH, HEIGHT = 360, 230
# Room for the tick labels and the axis titles around the plot.
LEFT, RIGHT, TOP, BOTTOM = 58, 14, 14, 42
# Colour-blind-safe (after Okabe–Ito), each at least 4.5:1 against white, so that lines, markers
# and legend text all pass contrast checks.
PALETTE = ["#0072B2", "#B35806", "#007A5E", "#9E3D7A", "#5E6B00", "#A34500", "#1F5F8B", "#555555"]
MAX_X_TICKS = 6
Y_TICKS = 5


def svg_number(value):
    """
    A coordinate as SVG reads it, written here: the template would localise a number (a decimal
    comma in some locales breaks the drawing) and does so at a cost per value, hundreds per chart.
    """
    return f"{value:.1f}".removesuffix(".0")


def nice_step(span, count):
    """A round step (1, 2 or 5 times a power of ten) that cuts `span` into about `count` parts."""
    if span <= 0:
        return 1
    raw = span / count
    magnitude = 10 ** math.floor(math.log10(raw))
    return next(factor * magnitude for factor in (1, 2, 5, 10) if factor * magnitude >= raw)


def nice_ticks(maximum, count=Y_TICKS):
    """
    Round values from 0 up to the first at or above `maximum`, about `count` of them: the axis of
    a chart of counts. Whole numbers only (nobody deploys half a soldier), and at least 0 and 1.
    """
    step = max(1, int(nice_step(maximum, count)))
    top = max(step, math.ceil(maximum / step) * step)
    return list(range(0, top + 1, step))


class LinearScale:
    """Maps values in [low, high] to positions in [start, end] (end may be less than start)."""

    def __init__(self, low, high, start, end):
        self.low, self.high, self.start, self.end = low, high, start, end

    def __call__(self, value):
        if self.high == self.low:
            return (self.start + self.end) / 2
        return self.start + (value - self.low) / (self.high - self.low) * (self.end - self.start)


class DateScale(LinearScale):
    """A linear scale over dates, by days."""

    def __call__(self, value):
        return super().__call__(value.toordinal())

    @classmethod
    def between(cls, first, last, start, end):
        return cls(first.toordinal(), last.toordinal(), start, end)


MONTH_STEPS = [1, 3, 6, 12, 24, 60, 120, 240]


def date_ticks(first, last, max_ticks=MAX_X_TICKS):
    """
    (date, label) of round moments between two dates: the first of January every 1, 2, 5, 10 or
    20 years, or for a span too short for that, the first of every 1, 3 or 6 months.
    """
    for months in MONTH_STEPS:
        ticks = []
        # The first tick: the first day of a month that is a multiple of the step, at or after `first`.
        index = first.year * 12 + first.month - 1
        if first.day > 1:
            index += 1
        index += -index % months
        while True:
            tick = datetime.date(index // 12, index % 12 + 1, 1)
            if tick > last:
                break
            ticks.append(tick)
            index += months
        if len(ticks) <= max_ticks:
            label = (lambda day: str(day.year)) if months >= 12 else (lambda day: f"{day:%b %Y}")
            return [(tick, label(tick)) for tick in ticks]
    return []


def middle_of(date, precision):
    """
    Where a date known to the month or the year is placed: the middle of that month or year, as
    no day in it is more likely than another. `precision` is "day", "month" or "year".
    """
    if precision == "year":
        return datetime.date(date.year, 7, 2)
    if precision == "month":
        return date.replace(day=15)
    return date


MARKER_RADIUS = 4.5


def marker_path(marker, x, y, radius=MARKER_RADIUS):
    """The outline of a point's marker, a circle or a square centred on (x, y), as SVG path data."""
    side, r = svg_number(2 * radius), svg_number(radius)
    if marker == "square":
        return f"M{svg_number(x - radius)},{svg_number(y - radius)} h{side} v{side} h-{side} Z"
    return f"M{svg_number(x - radius)},{svg_number(y)} a{r},{r} 0 1,0 {side},0 a{r},{r} 0 1,0 -{side},0 Z"


@dataclass
class Point:
    """
    One dated value. `url` is where the point links (its citation), `link_label` what the link
    says beyond the value and date ("reference 3, S/RES/1270 (1999)"); `citation` is safe HTML
    for the table.
    """

    date: datetime.date
    value: int
    date_label: str
    value_label: str
    url: str = ""
    link_label: str = ""
    citation: str = ""
    precision: str = "day"
    # Set by line_chart: the point's position and its marker's outline, as SVG attributes.
    x: str = ""
    y: str = ""
    shape: str = ""


@dataclass
class Series:
    """
    A named run of points. `step`: each value holds until the next point (drawn as steps);
    otherwise the points are joined by straight lines. `dashed` and `marker` ("circle" or
    "square") tell series apart without relying on colour.
    """

    name: str
    points: list
    colour: str = PALETTE[0]
    step: bool = False
    dashed: bool = False
    marker: str = "circle"
    # Set by line_chart: the line through the points, and the marker drawn in the legend.
    path: str = ""
    legend_marker: str = ""


@dataclass
class Tick:
    position: str
    label: str


@dataclass
class Chart:
    """What a chart template draws; every coordinate is already an SVG number string."""

    chart_id: str
    title: str
    description: str
    x_label: str
    y_label: str
    x_ticks: list
    y_ticks: list
    width: str = svg_number(WIDTH)
    height: str = svg_number(HEIGHT)
    plot_left: str = svg_number(LEFT)
    plot_right: str = svg_number(WIDTH - RIGHT)
    plot_top: str = svg_number(TOP)
    plot_bottom: str = svg_number(HEIGHT - BOTTOM)
    # Axis titles: the x title centred under the plot, the y title turned along the left edge.
    x_label_x: str = svg_number(LEFT + (WIDTH - LEFT - RIGHT) / 2)
    x_label_y: str = svg_number(HEIGHT - 6)
    y_label_x: str = "12"
    y_label_y: str = svg_number(TOP + (HEIGHT - TOP - BOTTOM) / 2)
    tick_mark_y: str = svg_number(HEIGHT - BOTTOM + 4)
    tick_label_y: str = svg_number(HEIGHT - BOTTOM + 16)
    tick_label_x: str = svg_number(LEFT - 6)
    series: list = field(default_factory=list)
    bars: list = field(default_factory=list)

    @property
    def rows(self):
        """(series, point) of every point, by date: the rows of the chart's table."""
        rows = [(one, point) for one in self.series for point in one.points]
        return sorted(rows, key=lambda row: row[1].date)

    colour: str = PALETTE[0]


def _y_axis(maximum):
    ticks = nice_ticks(maximum)
    scale = LinearScale(0, ticks[-1], HEIGHT - BOTTOM, TOP)
    return scale, [Tick(svg_number(scale(value)), f"{value:,}") for value in ticks]


def line_chart(series, *, chart_id, title, description, x_label, y_label, first=None, last=None, y_max=None):
    """
    A chart of dated series, or None when no series has a point. The time axis runs from `first`
    to `last` (say a mission's start and end), widened to take in every point; the value axis
    from 0 to a round number at or above the highest value, or above `y_max` if given (side-by-
    side charts share one scale, so that their heights compare).
    """
    series = [one for one in series if one.points]
    if not series:
        return None
    dates = [middle_of(point.date, point.precision) for one in series for point in one.points]
    first = min([*dates, *([first] if first else [])])
    last = max([*dates, *([last] if last else [])])
    if first == last:
        # A single moment: give the axis a year around it, so the point sits in the middle.
        first, last = first - datetime.timedelta(days=183), last + datetime.timedelta(days=183)
    x_scale = DateScale.between(first, last, LEFT, WIDTH - RIGHT)
    highest = max(point.value for one in series for point in one.points)
    y_scale, y_ticks = _y_axis(max(highest, y_max or 0))

    for one in series:
        one.points = sorted(one.points, key=lambda point: point.date)
        corners = []
        for point in one.points:
            x, y = x_scale(middle_of(point.date, point.precision)), y_scale(point.value)
            point.x, point.y = svg_number(x), svg_number(y)
            point.shape = marker_path(one.marker, x, y)
            if one.step and corners:
                # The previous value holds until this date, then changes.
                corners.append((x, corners[-1][1]))
            corners.append((x, y))
        one.legend_marker = marker_path(one.marker, 14, 6, 3.5)
        one.path = "M" + " L".join(f"{svg_number(x)},{svg_number(y)}" for x, y in corners) if len(corners) > 1 else ""

    return Chart(
        chart_id=chart_id,
        title=title,
        description=description,
        x_label=x_label,
        y_label=y_label,
        x_ticks=[Tick(svg_number(x_scale(day)), label) for day, label in date_ticks(first, last)],
        y_ticks=y_ticks,
        series=series,
    )


@dataclass
class Bar:
    year: int
    count: int
    label: str
    x: str
    y: str
    width: str
    height: str


def bar_chart(counts, *, chart_id, title, description, x_label, y_label, colour=PALETTE[0]):
    """
    A bar per year from (year, count) pairs, or None when there are none. Years run continuously
    from the first to the last given: a year missing from `counts` has no bar, and no row in the
    table, as nothing is known of it (a known zero is a pair with count 0).
    """
    counts = sorted(counts)
    if not counts:
        return None
    first, last = counts[0][0], counts[-1][0]
    plot = WIDTH - LEFT - RIGHT
    slot = plot / (last - first + 1)
    y_scale, y_ticks = _y_axis(max(count for _, count in counts))
    bars = []
    for year, count in counts:
        top = y_scale(count)
        bars.append(
            Bar(
                year=year,
                count=count,
                label=f"{count:,}",
                x=svg_number(LEFT + (year - first) * slot + slot * 0.1),
                y=svg_number(top),
                width=svg_number(max(slot * 0.8, 1)),
                height=svg_number(HEIGHT - BOTTOM - top),
            )
        )
    # A label under every year if they fit, else every 2, 5, 10... years.
    step = 1 if last - first < MAX_X_TICKS * 2 else int(nice_step(last - first, MAX_X_TICKS))
    x_ticks = [
        Tick(svg_number(LEFT + (year - first + 0.5) * slot), str(year))
        for year in range(first, last + 1)
        if (year - first) % step == 0
    ]
    return Chart(
        chart_id=chart_id,
        title=title,
        description=description,
        x_label=x_label,
        y_label=y_label,
        x_ticks=x_ticks,
        y_ticks=y_ticks,
        bars=bars,
        colour=colour,
    )
