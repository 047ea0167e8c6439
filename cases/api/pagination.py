from rest_framework.pagination import PageNumberPagination


class PagePagination(PageNumberPagination):
    """`page` (from 1) and `page_size` (up to 200, 50 by default); a page past the end is a 404 that says so."""

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    invalid_page_message = "There is no page “{page_number}”: {message}."
