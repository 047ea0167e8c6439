from django.contrib.sitemaps.views import sitemap
from django.urls import path, re_path
from django.views.generic import TemplateView

from cases import views
from cases.feeds import SITEMAPS, LatestChangesFeed
from cases.models import CaseStudy, Challenge, Organization, Source

app_name = "cases"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("cases/", views.CaseStudyListView.as_view(), name="list"),
    re_path(r"^cases/export\.(?P<fmt>csv|json)$", views.CaseStudyExportView.as_view(), name="export"),
    path("cases/<slug:slug>/", views.CaseStudyDetailView.as_view(), name="detail"),
    path("cases/<slug:slug>/cite.bib", views.CaseStudyCitationView.as_view(), name="cite_bibtex"),
    path("cases/<slug:slug>/history/", views.RecordHistoryView.as_view(model=CaseStudy), name="history"),
    path("cases/<slug:slug>/v/<int:number>/", views.RecordVersionView.as_view(model=CaseStudy), name="version"),
    path("countries/", views.CountryListView.as_view(), name="country_list"),
    re_path(r"^countries/(?P<code>[A-Za-z]{2})/$", views.CountryDetailView.as_view(), name="country_detail"),
    path("organizations/", views.OrganizationListView.as_view(), name="organization_list"),
    path("organizations/<slug:slug>/", views.OrganizationDetailView.as_view(), name="organization_detail"),
    path(
        "organizations/<slug:slug>/history/",
        views.RecordHistoryView.as_view(model=Organization),
        name="organization_history",
    ),
    path(
        "organizations/<slug:slug>/v/<int:number>/",
        views.RecordVersionView.as_view(model=Organization),
        name="organization_version",
    ),
    path("challenges/", views.ChallengeListView.as_view(), name="challenge_list"),
    path("challenges/<slug:slug>/", views.ChallengeDetailView.as_view(), name="challenge_detail"),
    path("challenges/<slug:slug>/history/", views.RecordHistoryView.as_view(model=Challenge), name="challenge_history"),
    path(
        "challenges/<slug:slug>/v/<int:number>/",
        views.RecordVersionView.as_view(model=Challenge),
        name="challenge_version",
    ),
    path("sources/", views.SourceListView.as_view(), name="source_list"),
    re_path(
        r"^sources/export\.(?P<fmt>bib|ris|json)$", views.BibliographyExportView.as_view(), name="bibliography_export"
    ),
    path("sources/<slug:key>/", views.SourceDetailView.as_view(), name="source_detail"),
    path(
        "sources/<slug:key>/history/",
        views.RecordHistoryView.as_view(model=Source, lookup="key"),
        name="source_history",
    ),
    path(
        "sources/<slug:key>/v/<int:number>/",
        views.RecordVersionView.as_view(model=Source, lookup="key"),
        name="source_version",
    ),
    re_path(
        r"^sources/(?P<key>[a-z0-9-]+)/cite\.(?P<fmt>bib|ris|json)$",
        views.BibliographyExportView.as_view(),
        name="source_export",
    ),
    path("about/", TemplateView.as_view(template_name="cases/about/about.html"), name="about"),
    path(
        "about/methodology/",
        TemplateView.as_view(template_name="cases/about/methodology.html"),
        name="methodology",
    ),
    path(
        "about/editorial-policy/",
        TemplateView.as_view(template_name="cases/about/editorial_policy.html"),
        name="editorial_policy",
    ),
    path(
        "about/shortcuts/",
        TemplateView.as_view(template_name="cases/about/shortcuts.html"),
        name="shortcuts",
    ),
    path("report/", views.ErrorReportView.as_view(), name="report"),
    path("report/sent/", views.ErrorReportSentView.as_view(), name="report_sent"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("compare/", views.CompareView.as_view(), name="compare"),
    path("feeds/latest/", LatestChangesFeed(), name="feed"),
    path("sitemap.xml", sitemap, {"sitemaps": SITEMAPS}, name="sitemap"),
    path("robots.txt", views.robots_txt, name="robots"),
]
