"""The weblog app: anonymous request log, log-file import and marketing reports (clause P2)."""

from django.apps import AppConfig


class WeblogConfig(AppConfig):
    name = "lead411.weblog"
    label = "weblog"
    verbose_name = "Web logs"
