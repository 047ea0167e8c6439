from django.apps import AppConfig


class CasesConfig(AppConfig):
    name = "cases"
    verbose_name = "Casebook"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from cases import cache, checks, facet_index, search  # noqa: F401 (checks registers)

        cache.connect_invalidation()
        search.connect_unindexing()
        facet_index.connect_indexing()
