"""
The project's URLs plus `/_floor/`: a page that does no work, served through the same server and
middleware as every other page. Its requests per second are the ceiling any page can reach on this
machine, so each page's figure is reported as a fraction of it.
"""

from django.http import HttpResponse
from django.urls import path

from peacekeeping.urls import urlpatterns as project_urlpatterns

FLOOR_BODY = b"floor\n"


def floor(request):
    return HttpResponse(FLOOR_BODY, content_type="text/plain; charset=utf-8")


urlpatterns = [path("_floor/", floor, name="bench_floor"), *project_urlpatterns]
