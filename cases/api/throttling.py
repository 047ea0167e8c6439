"""
Throttling of the API: every client is anonymous and counted by address (settings.API_RATE).
What a throttled client is told is in cases/api/errors.py.
"""

from rest_framework.throttling import AnonRateThrottle


class AnonymousReaderThrottle(AnonRateThrottle):
    """Requests per address, counted in the default cache (shared by every app server on Redis)."""

    scope = "anon"

    @classmethod
    def limit_in_words(cls):
        """The limit in force, e.g. "120 requests a minute"."""
        number, period = cls().rate.split("/")
        return f"{number} request{'s' if number != '1' else ''} a {period}"
