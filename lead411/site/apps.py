from django.apps import AppConfig


class SiteConfig(AppConfig):
    """The top floor: the demo set-up, the job schedule and the admin index's mail backlog.

    It builds on every other app and no app imports it.
    """

    name = "lead411.site"
    label = "site"
    verbose_name = "Site"
