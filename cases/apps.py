from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "Casebook"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Derived data (rendered text, search and facet indexes, the content version) follows
        # every change of content through signals, all connected here.
        from cases import checks, derived  # noqa: F401 (importing checks registers them)

        derived.connect()
