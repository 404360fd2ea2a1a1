from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "lead411.core"
    label = "core"
    verbose_name = "Core"
