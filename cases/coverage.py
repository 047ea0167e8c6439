"""
The casebook's coverage as a Markdown table, read from the content files (not a database), so
the README's table is generated from what actually ships and cannot drift from it.

`python manage.py coverage_table` prints it; `--write README.md` puts it between the markers.
"""

import datetime

from django.core.exceptions import ValidationError

from cases.citations import parse_citations
from cases.content_loader import CONTENT_DIR, ContentError, parse_cite, read_documents
from cases.models import CaseStudy

START_MARKER = "<!-- coverage-table:start -->"
END_MARKER = "<!-- coverage-table:end -->"
HEADER = ("Led by", "Operation", "Host countries", "Years", "Depth", "Sources cited")
# Operations led by no organisation (a coalition of states under a Security Council
# authorisation) come after every organisation's.
NO_LEAD = "\uffff"


def cited_source_keys(case):
    """Every source a case study cites anywhere: its texts, infobox facts, and inline rows."""
    texts = [case.get("summary"), case.get("body"), case.get("lessons")]
    entries = [entry for cited in (case.get("fact_citations") or {}).values() for entry in cited or []]
    for event in case.get("timeline") or []:
        texts.append(event.get("description"))
        entries += event.get("cite") or []
    for challenge in case.get("challenges") or []:
        texts.append(challenge.get("description"))
        entries += challenge.get("cite") or []
    for contribution in case.get("contributions") or []:
        entries += contribution.get("cite") or []
    entries += [row.get("source") for row in case.get("strength") or []]
    entries += [row.get("source") for row in case.get("instruments") or []]
    keys = {parse_cite(entry)[0] for entry in entries if entry}
    try:
        keys |= {ref.key for text in texts for ref in parse_citations(text)}
    except ValidationError as error:
        raise ContentError(f"case study '{case.get('slug')}': {'; '.join(error.messages)}") from None
    return keys


def _year(value):
    if isinstance(value, datetime.date):
        return value.year
    return datetime.date.fromisoformat(str(value)).year


def coverage_rows(records):
    """One row per case study: (sort key, cells), cells as HEADER orders them."""
    organizations = records.get("organizations", {})
    countries = records.get("countries", {})
    rows = []
    for slug, case in records.get("case_study", {}).items():
        roles = case.get("organizations") or []
        leads = sorted(
            organizations.get(role["org"], {}).get("acronym") or role["org"].upper()
            for role in roles
            if role.get("role") == "lead"
        )
        if leads:
            led_by = ", ".join(leads)
        else:
            authorising = sorted(
                organizations.get(role["org"], {}).get("acronym") or role["org"].upper()
                for role in roles
                if role.get("role") == "authorising"
            )
            led_by = "coalition" + (f", authorised by {', '.join(authorising)}" if authorising else "")
        start, end = _year(case["start_date"]), _year(case["end_date"]) if case.get("end_date") else "present"
        years = str(start) if start == end else f"{start}–{end}"
        cells = (
            led_by,
            case.get("acronym") or case.get("mission_name") or case["title"],
            ", ".join(countries.get(code, {}).get("name", code) for code in case.get("countries") or []),
            years,
            CaseStudy.Depth(case.get("depth", CaseStudy.Depth.FULL)).label,
            str(len(cited_source_keys(case))),
        )
        rows.append(((leads[0] if leads else NO_LEAD, led_by, str(case["start_date"]), cells[1], slug), cells))
    return [cells for _, cells in sorted(rows)]


def _cell(text):
    return str(text).replace("|", "\\|").replace("\n", " ")


def coverage_table(directory=CONTENT_DIR):
    """The Markdown table, with a line counting what it lists."""
    records, _ = read_documents(directory)
    rows = coverage_rows(records)
    lines = [
        f"{len(rows)} operations; sources cited counts the distinct sources each entry cites.",
        "",
        "| " + " | ".join(HEADER) + " |",
        "|" + "|".join("---:" if name == "Sources cited" else "---" for name in HEADER) + "|",
    ]
    lines += ["| " + " | ".join(_cell(cell) for cell in cells) + " |" for cells in rows]
    return "\n".join(lines) + "\n"


def table_in(text, *, name="the file"):
    """(before, table, after) of a text holding the two markers, or ValueError saying what is wrong."""
    starts, ends = text.count(START_MARKER), text.count(END_MARKER)
    if starts != 1 or ends != 1:
        raise ValueError(
            f"{name} needs the line {START_MARKER} once and the line {END_MARKER} once, where the table "
            f"belongs (found {starts} and {ends})."
        )
    before, _, rest = text.partition(START_MARKER)
    table, _, after = rest.partition(END_MARKER)
    if END_MARKER in before:
        raise ValueError(f"In {name}, {END_MARKER} comes before {START_MARKER}.")
    return before, table, after


def with_table(text, table, *, name="the file"):
    """The text with the table between its markers, and nothing else changed."""
    before, _, after = table_in(text, name=name)
    return f"{before}{START_MARKER}\n{table}{END_MARKER}{after}"
