from django.apps import AppConfig


class PolicyConfig(AppConfig):
    name = "lead411.policy"
    label = "policy"
    verbose_name = "Privacy policy and contact"
