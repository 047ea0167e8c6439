from django.urls import path

from cases import views

app_name = "cases"

urlpatterns = [
    path("", views.HomeView.as_view(), name="home"),
    path("cases/", views.CaseStudyListView.as_view(), name="list"),
    path("cases/<slug:slug>/", views.CaseStudyDetailView.as_view(), name="detail"),
    path("cases/<slug:slug>/history/", views.CaseStudyHistoryView.as_view(), name="history"),
    path("organizations/", views.OrganizationListView.as_view(), name="organization_list"),
    path("organizations/<slug:slug>/", views.OrganizationDetailView.as_view(), name="organization_detail"),
    path("challenges/", views.ChallengeListView.as_view(), name="challenge_list"),
    path("challenges/<slug:slug>/", views.ChallengeDetailView.as_view(), name="challenge_detail"),
    path("sources/", views.SourceListView.as_view(), name="source_list"),
    path("sources/<slug:key>/", views.SourceDetailView.as_view(), name="source_detail"),
    path("search/", views.SearchView.as_view(), name="search"),
]
