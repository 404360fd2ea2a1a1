from django.apps import AppConfig


class LeadsConfig(AppConfig):
    name = "lead411.leads"
    label = "leads"
    verbose_name = "Leads"

    def ready(self) -> None:
        # Connect the signal receivers: cached search counts expire, and the search index
        # queues the row changes its high-water mark cannot see (admin edits, category links).
        from lead411.leads import receivers  # noqa: F401
        from lead411.leads.search import receivers as search_receivers  # noqa: F401

        from . import personal_data

        personal_data.declare()  # what this app keeps about a member (core.privacy_registry)
