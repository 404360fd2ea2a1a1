from django.apps import AppConfig


class LeadsConfig(AppConfig):
    name = "lead411.leads"
    label = "leads"
    verbose_name = "Leads"

    def ready(self) -> None:
        from lead411.leads import receivers  # noqa: F401  (connects the signal receivers)
