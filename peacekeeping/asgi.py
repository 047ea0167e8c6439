"""ASGI entry point."""

import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peacekeeping.settings")
# This process serves readers: production settings insist on a real secret key.
os.environ["DJANGO_SERVING"] = "1"

application = get_asgi_application()
