from django.apps import AppConfig


class PagesConfig(AppConfig):
    name = "lead411.pages"
    label = "pages"
    verbose_name = "Public pages"
