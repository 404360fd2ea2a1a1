from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "lead411.accounts"
    label = "accounts"
    verbose_name = "Accounts"
