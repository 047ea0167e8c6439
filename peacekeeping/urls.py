from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Peacekeeping Casebook: editors"
admin.site.site_title = "Peacekeeping Casebook admin"
admin.site.index_title = "Curate the casebook"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("cases.urls")),
]
