"""The API's error answers: DRF's, with a 429 that says what the limit is and when to retry."""

from rest_framework import exceptions
from rest_framework.views import exception_handler

from cases.api.throttling import AnonymousReaderThrottle


def api_exception_handler(exc, context):
    response = exception_handler(exc, context)
    if isinstance(exc, exceptions.Throttled) and response is not None:
        seconds = max(int(exc.wait or 1), 1)
        response["Retry-After"] = str(seconds)
        response.data = {
            "detail": (
                f"Too many requests from your address: the API answers {AnonymousReaderThrottle.limit_in_words()} "
                f"from each address. Try again in {seconds} second{'s' if seconds != 1 else ''}."
            ),
            "retry_after": seconds,
        }
    return response
