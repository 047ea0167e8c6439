from django.conf import settings
from django.core.paginator import EmptyPage, PageNotAnInteger, Paginator
from django.db.models import Count
from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.views import View
from django.views.generic import DetailView, ListView, TemplateView
from django_filters.views import FilterView

from cases import bibliography, exports, maps, search, selectors, versions
from cases.cache import computed_once_per_version
from cases.filters import CaseStudyFilter
from cases.models import CaseStudy, Challenge, Organization, SearchDocument, Source
from cases.timeline import page_rows, timeline_chart, timeline_rows


def without_empty_values(query):
    """`?region=&organization=un` means the same as `?organization=un`."""
    if query is None:
        return None
    cleaned = query.copy()
    for name in list(cleaned):
        values = [value for value in cleaned.getlist(name) if value.strip()]
        if values:
            cleaned.setlist(name, values)
        else:
            del cleaned[name]
    return cleaned


def forgiving_page(request, queryset, per_page, page_kwarg="page"):
    """
    (paginator, page, message): a page number that is not a number, or past the end, shows a
    page, and the message says why.
    """
    paginator = Paginator(queryset, per_page)
    requested = request.GET.get(page_kwarg) or 1
    try:
        return paginator, paginator.page(requested), ""
    except PageNotAnInteger:
        return paginator, paginator.page(1), f"“{requested}” is not a page number; showing page 1."
    except EmptyPage:
        last = paginator.num_pages
        return paginator, paginator.page(last), f"There is no page {requested}; showing page {last}, the last."


def pagination_context(request, queryset, per_page):
    """What includes/pagination.html needs, for a page of a detail view's related rows."""
    paginator, page, message = forgiving_page(request, queryset, per_page)
    return {
        "page_obj": page,
        "is_paginated": page.has_other_pages(),
        "pagination_message": message,
        "query_without_page": query_without_page(request),
    }


def query_without_page(request, page_kwarg="page"):
    """The request's query string less the page number, for the links to other pages."""
    query = request.GET.copy()
    query.pop(page_kwarg, None)
    return query.urlencode()


class ForgivingPaginationMixin:
    """A page number that is not a number, or past the end, shows a page and says why."""

    def paginate_queryset(self, queryset, page_size):
        paginator, page, self.pagination_message = forgiving_page(self.request, queryset, page_size, self.page_kwarg)
        return paginator, page, page.object_list, page.has_other_pages()

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["pagination_message"] = getattr(self, "pagination_message", "")
        context["query_without_page"] = query_without_page(self.request, self.page_kwarg)
        return context


class CiteAsMixin:
    """
    A published record's page names the permanent address of its latest version as the one to
    cite: in "Cite this page" and in a `Link: <…>; rel="cite-as"` header (RFC 8574).
    """

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        number = versions.latest_number(self.object, self.request)
        context["this_version"] = number and {
            "number": number,
            "url": settings.SITE_URL + versions.version_path(self.object, number),
        }
        context["history_url"] = versions.history_path(self.object)
        return context

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        if context["this_version"]:
            response["Link"] = f'<{context["this_version"]["url"]}>; rel="cite-as"'
        return response


class HomeView(TemplateView):
    template_name = "cases/home.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        published = CaseStudy.objects.published()
        # Full case studies first, then summaries, then facts only. With none featured, the
        # first entries of the list stand in (its own order, which an index keeps).
        context["featured"] = (
            published.filter(featured=True).for_list().in_reading_order("start_date", "title")
            or published.for_list().in_reading_order("title", "id")[:3]
        )
        context["recent"] = published.order_by("-updated_at")[:5]
        context["chart"] = timeline_chart(timeline_rows(published))
        # Counting every table is the costliest read of the page, and only an edit changes it.
        context["counts"] = computed_once_per_version("casebook-counts", selectors.casebook_counts, self.request)
        return context


class CaseStudyListView(ForgivingPaginationMixin, FilterView):
    filterset_class = CaseStudyFilter
    template_name = "cases/casestudy_list.html"
    paginate_by = 20
    # Invalid parameters are reported and ignored; the valid ones still filter.
    strict = False

    def get_queryset(self):
        return CaseStudy.objects.published().for_list()

    def get_filterset_kwargs(self, filterset_class):
        kwargs = super().get_filterset_kwargs(filterset_class)
        kwargs["data"] = without_empty_values(kwargs["data"])
        return kwargs

    def paginate_queryset(self, queryset, page_size):
        return super().paginate_queryset(self.filterset.paginated(queryset), page_size)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        form = self.filterset.form
        context["filter_errors"] = [
            (form.fields[name].label if name in form.fields else name, errors) for name, errors in form.errors.items()
        ]
        context["facets"] = self.filterset.facets_cache
        context["chosen_contributors"] = self.filterset.active.get("contributor", [])
        context["chips"] = self.filterset.chips()
        context.update(self.search_hints())
        # Cards show the figure the list is sorted by.
        context["sort"] = self.filterset.form.cleaned_data.get("sort", "") if self.filterset.is_bound else ""
        # The timeline draws the results on this page: it stays short, above what it depicts.
        context["chart"] = timeline_chart(page_rows(context["object_list"]))
        context["map"] = maps.host_country_map(
            self.filterset.host_country_counts(),
            self.request.GET,
            filtering_by_country="country" in self.filterset.active,
        )
        return context

    def search_hints(self):
        """A "did you mean" (the same filters, the search corrected) and whether the search matched any word."""
        search = self.filterset.case_study_search
        if not search:
            return {}
        hints = {"matched_any": search.matched_any, "suggestion": search.suggestion}
        if search.suggestion:
            corrected = self.request.GET.copy()
            corrected["q"] = search.suggestion
            corrected.pop(self.page_kwarg, None)
            hints["suggestion_href"] = "?" + corrected.urlencode()
        return hints


class CaseStudyDetailView(CiteAsMixin, DetailView):
    template_name = "cases/casestudy_detail.html"
    context_object_name = "case"

    def get_object(self, queryset=None):
        return selectors.case_study_for_page(self.kwargs["slug"], self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(selectors.case_study_page(self.object))
        context["cite"] = bibliography.cite_case_study(self.object)
        context["structured_data"] = selectors.case_study_structured_data(self.object)
        context["map"] = maps.host_countries_map(self.object)
        return context


class CountryListView(TemplateView):
    """Every country with an operation hosted or contributed to, on a map and in a table."""

    template_name = "cases/country_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        # Counting every host and contribution row is the costliest read here; only an edit changes it.
        counts = computed_once_per_version("country-counts", selectors.country_counts, self.request)
        context["countries"] = selectors.country_list(counts)
        context["map"] = maps.hosts_map(context["countries"])
        return context


class CountryDetailView(DetailView):
    """A country: the operations it hosted and those it contributed to."""

    template_name = "cases/country_detail.html"
    context_object_name = "country"

    def get(self, request, *args, **kwargs):
        # One address per country: its ISO code in capitals, as everywhere on the site.
        if kwargs["code"] != kwargs["code"].upper():
            return redirect("cases:country_detail", code=kwargs["code"].upper(), permanent=True)
        return super().get(request, *args, **kwargs)

    def get_object(self, queryset=None):
        return selectors.country_for_page(self.kwargs["code"])

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(selectors.country_page(self.object))
        context["map"] = maps.country_locator(self.object)
        # The UN's figures for this country (uniformed personnel it sent, fatalities among its
        # nationals, by mission) come in here once imported, rendered in the template's
        # `un_data` block.
        return context


class OrganizationListView(ListView):
    template_name = "cases/organization_list.html"
    context_object_name = "organizations"

    def get_queryset(self):
        return selectors.organization_list()


class OrganizationDetailView(CiteAsMixin, DetailView):
    template_name = "cases/organization_detail.html"
    context_object_name = "organization"

    def get_queryset(self):
        return Organization.objects.visible_to(self.request.user).prefetch_related("members")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(selectors.record_page(self.object))
        context.update(pagination_context(self.request, selectors.case_studies_of_organization(self.object), 50))
        return context


class ChallengeListView(ListView):
    template_name = "cases/challenge_list.html"
    context_object_name = "challenges"

    def get_queryset(self):
        return selectors.challenge_list()


class ChallengeDetailView(CiteAsMixin, DetailView):
    template_name = "cases/challenge_detail.html"
    context_object_name = "challenge"

    def get_queryset(self):
        return Challenge.objects.visible_to(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(selectors.record_page(self.object))
        context.update(pagination_context(self.request, selectors.case_challenges_of(self.object), 50))
        return context


class SourceListView(ForgivingPaginationMixin, ListView):
    template_name = "cases/source_list.html"
    context_object_name = "sources"
    paginate_by = 100

    def get_queryset(self):
        return Source.objects.published().order_by("kind", "date", "key")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        labels = dict(Source.Kind.choices)
        context["kinds"] = [
            {"kind": row["kind"], "label": labels.get(row["kind"], row["kind"]), "count": row["count"]}
            for row in Source.objects.published().values("kind").annotate(count=Count("id")).order_by("kind")
        ]
        return context


class SourceDetailView(CiteAsMixin, DetailView):
    template_name = "cases/source_detail.html"
    context_object_name = "source"
    slug_field = "key"
    slug_url_kwarg = "key"

    def get_queryset(self):
        return Source.objects.visible_to(self.request.user)

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(selectors.source_citing_records(self.object))
        return context


# Each kind of versioned record: the plural shown in breadcrumbs and the name of its list's URL.
VERSIONED_KINDS = {
    CaseStudy: ("Case studies", "cases:list"),
    Organization: ("Organisations", "cases:organization_list"),
    Challenge: ("Challenges", "cases:challenge_list"),
    Source: ("Sources", "cases:source_list"),
}


class VersionedRecordMixin:
    """The live record a version or history page belongs to: published, or any for staff."""

    model = None
    lookup = "slug"

    def get_record(self):
        records = self.model.objects.visible_to(self.request.user)
        return get_object_or_404(records, **{self.lookup: self.kwargs[self.lookup]})

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        plural, list_url_name = VERSIONED_KINDS[self.model]
        context["kind"] = {"plural": plural, "list_url": reverse(list_url_name)}
        return context


class RecordVersionView(VersionedRecordMixin, TemplateView):
    """One public version of a record, as it was published, at its permanent address."""

    def get_template_names(self):
        return [f"cases/{self.model._meta.model_name}_version.html"]

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        record = self.get_record()
        context.update(versions.version_page(record, self.kwargs["number"]))
        context["this_version"] = {"number": context["version"].number, "url": context["version"].permanent_url}
        return context

    def render_to_response(self, context, **response_kwargs):
        response = super().render_to_response(context, **response_kwargs)
        response["Link"] = f'<{context["this_version"]["url"]}>; rel="cite-as"'
        return response


class RecordHistoryView(VersionedRecordMixin, TemplateView):
    """A record's public versions, newest first, with what changed; any two compared on request."""

    template_name = "cases/record_history.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        record = self.get_record()
        context.update({"record": record, "entries": versions.public_history(record)})
        if "from" in self.request.GET or "to" in self.request.GET:
            context["comparison"], context["comparison_message"] = versions.comparison(
                record, self.request.GET.get("from"), self.request.GET.get("to")
            )
        return context


class SearchView(TemplateView):
    """
    Hits grouped by kind, the best of each; with `kind=`, every hit of that kind, page by page
    (an unknown kind shows the groups).
    """

    template_name = "cases/search.html"
    hits_per_page = 20

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        query = self.request.GET.get("q", "")
        messages = []
        if len(query) > search.MAX_QUERY_LENGTH:
            messages.append(f"Your search was shortened to its first {search.MAX_QUERY_LENGTH} characters.")
        terms = search.parse_query(query)
        if query.strip() and not terms:
            messages.append("Type at least one word or number to search for.")
        kind_labels = dict(SearchDocument.Kind.choices)
        kind = self.request.GET.get("kind", "")
        context.update(
            {
                "query": query[: search.MAX_QUERY_LENGTH],
                "messages_for_query": messages,
                "searched": bool(terms),
                "groups": {},
                "kind": kind if kind in kind_labels else "",
            }
        )
        if not terms:
            return context
        if context["kind"]:
            hits = search.KindHits(query, kind)
            context.update(pagination_context(self.request, hits, self.hits_per_page))
            context.update(kind_label=kind_labels[kind], matched_any=hits.matched_any, suggestion=None)
        else:
            results = search.search_all(query, request=self.request)
            context.update(groups=results.groups, matched_any=results.matched_any, suggestion=results.suggestion)
        return context


class CaseStudyExportView(View):
    """The list's current filters, as CSV or JSON: same parameters as /cases/."""

    def get(self, request, fmt):
        filterset = CaseStudyFilter(
            without_empty_values(request.GET), queryset=CaseStudy.objects.published(), request=request
        )
        filterset.is_valid()  # invalid parameters are ignored, as on the page
        # Streamed a batch at a time: memory stays flat whatever the size of the casebook. Each
        # stream is a generator, which the response closes when the reader goes away, ending the
        # export's database snapshot before the request's end returns the connection.
        rows = exports.case_study_rows(filterset.qs)
        if fmt == "csv":
            response = StreamingHttpResponse(exports.csv_lines(rows), content_type="text/csv; charset=utf-8")
            response["Content-Disposition"] = 'attachment; filename="casebook-case-studies.csv"'
        else:
            response = StreamingHttpResponse(exports.json_chunks(rows), content_type="application/json")
            response["Content-Disposition"] = 'inline; filename="casebook-case-studies.json"'
        return response


class BibliographyExportView(View):
    """Sources as BibTeX or RIS: all of them, one kind (?kind=), or chosen keys (?key=...)."""

    def get(self, request, fmt, key=None):
        sources = Source.objects.published().order_by("key")
        if key is not None:
            sources = sources.filter(key=key)
            if not sources:
                raise Http404("No such source.")
        if request.GET.getlist("key"):
            sources = sources.filter(key__in=request.GET.getlist("key")[:500])
        if request.GET.get("kind"):
            sources = sources.filter(kind=request.GET["kind"])
        name = key or "casebook-sources"
        if fmt == "bib":
            response = HttpResponse(
                bibliography.sources_to_bibtex(sources), content_type="application/x-bibtex; charset=utf-8"
            )
        else:
            response = HttpResponse(
                bibliography.sources_to_ris(sources), content_type="application/x-research-info-systems; charset=utf-8"
            )
        response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
        return response


class CaseStudyCitationView(View):
    """'Cite this page' as a BibTeX file."""

    def get(self, request, slug):
        case = get_object_or_404(CaseStudy.objects.published(), slug=slug)
        bibtex = bibliography.cite_case_study(case)["bibtex"]
        response = HttpResponse(bibtex, content_type="application/x-bibtex; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="casebook-{case.slug}.bib"'
        return response


class CompareView(TemplateView):
    template_name = "cases/compare.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        cases, rows, references, problems = selectors.comparison(self.request.GET.getlist("cases"))
        if len(cases) < 2:
            problems.append("Choose at least two case studies to compare.")
        context.update(
            {
                "cases": cases,
                "rows": rows if len(cases) >= 2 else [],
                "references": references,
                "problems": problems,
                "choices": CaseStudy.objects.published().order_by("title").only("slug", "title"),
                "chosen": [case.slug for case in cases],
                "unverified": any(case.unverified_facts for case in cases),
                "editorial_policy_url": selectors.EDITORIAL_POLICY_URL,
            }
        )
        return context


def robots_txt(request):
    sitemap = settings.SITE_URL + reverse("cases:sitemap")
    lines = ["User-agent: *", "Disallow: /admin/", f"Sitemap: {sitemap}"]
    return HttpResponse("\n".join(lines) + "\n", content_type="text/plain")
