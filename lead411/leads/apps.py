from django.apps import AppConfig


class LeadsConfig(AppConfig):
    name = "lead411.leads"
    label = "leads"
    verbose_name = "Leads"
