from django.contrib import admin
from django.urls import include, path

from cases.admin import attention_board_view, markdown_preview_view

admin.site.site_header = "Peacekeeping Casebook: editors"
admin.site.site_title = "Peacekeeping Casebook admin"
admin.site.index_title = "Curate the casebook"

urlpatterns = [
    path("admin/attention/", admin.site.admin_view(attention_board_view), name="attention"),
    path("admin/preview/", admin.site.admin_view(markdown_preview_view), name="markdown_preview"),
    path("admin/", admin.site.urls),
    path("api/v1/", include("cases.api.urls")),
    path("downloads/", include("cases.downloads")),
    path("", include("cases.urls")),
]
