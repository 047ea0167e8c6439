"""WSGI entry point, used by gunicorn in production."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "peacekeeping.settings")
# This process serves readers: production settings insist on a real secret key.
os.environ["DJANGO_SERVING"] = "1"

application = get_wsgi_application()
