"""
Search over the published casebook.

Matching is case-insensitive over the fields a reader sees; titles and names are listed first.
"""

from django.db.models import Case, IntegerField, Q, Value, When


def _terms(query):
    return [term for term in query.split() if term][:20]


def search_case_studies(queryset, query):
    terms = _terms(query)
    if not terms:
        return queryset
    condition = Q()
    title_match = Q()
    for term in terms:
        condition &= (
            Q(title__icontains=term)
            | Q(mission_name__icontains=term)
            | Q(acronym__icontains=term)
            | Q(summary__icontains=term)
            | Q(body__icontains=term)
        )
        title_match &= Q(title__icontains=term) | Q(acronym__icontains=term) | Q(mission_name__icontains=term)
    return (
        queryset.filter(condition)
        .annotate(title_rank=Case(When(title_match, then=Value(0)), default=Value(1), output_field=IntegerField()))
        .order_by("title_rank", "title", "id")
    )
