from django.apps import AppConfig


class NewsletterConfig(AppConfig):
    name = "lead411.newsletter"
    label = "newsletter"
    verbose_name = "Newsletter and email"
