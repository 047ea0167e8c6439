from django.urls import path, re_path
from rest_framework.routers import SimpleRouter

from cases.api import views

app_name = "api"

router = SimpleRouter()
router.register("case-studies", views.CaseStudyViewSet, basename="case-study")
router.register("organizations", views.OrganizationViewSet, basename="organization")
router.register("challenges", views.ChallengeViewSet, basename="challenge")
router.register("countries", views.CountryViewSet, basename="country")
router.register("sources", views.SourceViewSet, basename="source")
router.register("fatalities", views.FatalityViewSet, basename="fatality")

urlpatterns = [
    path("openapi.json", views.schema, name="schema"),
    path("docs/", views.DocsView.as_view(), name="docs"),
    path("docs/explorer/", views.ExplorerView.as_view(), name="explorer"),
    *router.urls,
    re_path(r"^(?P<path>.*)$", views.not_found),
]
