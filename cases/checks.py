"""System checks of the casebook's own configuration (`manage.py check`, `check --deploy`)."""

import os

from django.conf import settings
from django.core.checks import Error, Tags, register

HINT = "Set DJANGO_SECRET_KEY to a random string of 50 characters or more (README, Configuration)."


@register(Tags.security)
def secret_key_is_set(app_configs, **kwargs):
    """With debug off and no key, every command stops here, rather than meet an empty key later."""
    if settings.DEBUG or os.environ.get("DJANGO_SECRET_KEY") or settings.THROWAWAY_SECRET_KEY:
        return []
    return [Error("DJANGO_SECRET_KEY is not set, and debug is off.", hint=HINT, id="casebook.E001")]


@register(Tags.security, deploy=True)
def secret_key_is_not_a_throwaway(app_configs, **kwargs):
    if settings.DEBUG or os.environ.get("DJANGO_SECRET_KEY") or not settings.THROWAWAY_SECRET_KEY:
        return []
    return [
        Error(
            "DJANGO_SECRET_KEY is not set: DJANGO_THROWAWAY_SECRET_KEY gives a throwaway key, "
            "which changes with every process.",
            hint=HINT,
            id="casebook.E002",
        )
    ]
