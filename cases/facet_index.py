"""
The facet index: for every published case study, one row per option of a linked facet it
carries (`("organization", "<organisation id>", "<role>")`, `("country", "<country id>", "")`...).

The list counts the options of the four linked facets over any set of results with one grouped
query over this table; counting from the four link tables would read every matching case study
four times (thousands, for a broad search). The facets that are fields of the case study are
counted from the case studies' own covering index (cases/filters.py).

Rows are derived, never edited: `index()` rewrites a case study's rows from the case study and
its links whenever either changes (cases/derived.py says when), and `rebuild()` rewrites them
all after a bulk load or a queryset `update()`, which send no signals. A case study
that is not published has no rows, as it has no search document, so a count from this table
never includes a draft.
"""

from django.db import connection

from cases.models import CaseChallenge, CaseOrganization, CaseStudy, CaseStudyFacet, published_sql

# How each facet is derived: a SELECT of (case study id, facet, option, role, the case study's
# facet fields) per facet, the option being the linked record's id. The same statements serve one
# case study and the whole casebook, so the two cannot differ.
FIELDS = "cs.region, cs.mandate_type, cs.outcome, cs.depth, cs.end_date IS NULL"
FACET_ROWS = [
    # One row per role an organisation holds in the mission, so that the counts of any one role
    # are one grouped query; the counts over every role count case studies, not rows.
    "SELECT cs.id, 'organization', link.organization_id, link.role, {fields}"
    " FROM {case_organization} link JOIN {case_study} cs ON cs.id = link.case_study_id WHERE {published}",
    "SELECT cs.id, 'country', link.country_id, '', {fields}"
    " FROM {case_country} link JOIN {case_study} cs ON cs.id = link.casestudy_id WHERE {published}",
    "SELECT cs.id, 'challenge', link.challenge_id, '', {fields}"
    " FROM {case_challenge} link JOIN {case_study} cs ON cs.id = link.case_study_id WHERE {published}",
    "SELECT cs.id, 'objective', link.objective_id, '', {fields}"
    " FROM {case_objective} link JOIN {case_study} cs ON cs.id = link.casestudy_id WHERE {published}",
]


def _tables():
    return {
        "facet": CaseStudyFacet._meta.db_table,
        "case_study": CaseStudy._meta.db_table,
        "case_organization": CaseOrganization._meta.db_table,
        "case_country": CaseStudy.countries.through._meta.db_table,
        "case_challenge": CaseChallenge._meta.db_table,
        "case_objective": CaseStudy.objectives.through._meta.db_table,
    }


def _write(case_study_id=None):
    tables = _tables()
    published = published_sql("cs") if case_study_id is None else f"{published_sql('cs')} AND cs.id = %s"
    per_part = [] if case_study_id is None else [case_study_id]
    rows = " UNION ALL ".join(part.format(published=published, fields=FIELDS, **tables) for part in FACET_ROWS)
    with connection.cursor() as cursor:
        if case_study_id is None:
            cursor.execute(f"DELETE FROM {tables['facet']}")
        else:
            cursor.execute(f"DELETE FROM {tables['facet']} WHERE case_study_id = %s", [case_study_id])
        columns = "case_study_id, facet, option, role, region, mandate_type, outcome, depth, ongoing"
        cursor.execute(
            f"INSERT INTO {tables['facet']} ({columns}) " + rows,
            per_part * len(FACET_ROWS),
        )


def index(case_study_id):
    """Make one case study's rows match it and its links (none unless it is published)."""
    _write(case_study_id)


def rebuild():
    """Rewrite every row (after bulk loads that bypass save() and the signals)."""
    _write()


def unindex_option(facet, option_id):
    """Drop every row of one option (a deleted country or objective)."""
    CaseStudyFacet.objects.filter(facet=facet, option=option_id).delete()
