"""The member's API token and webhook pages, mounted at ``/members/api-tokens/``."""

from django.urls import path

from . import views

app_name = "api_tokens"

urlpatterns = [
    path("", views.api_token_list_view, name="list"),
    path("<int:token_id>/revoke/", views.api_token_revoke_view, name="revoke"),
    path("webhooks/", views.webhook_list_view, name="webhooks"),
    path("webhooks/<int:endpoint_id>/", views.webhook_log_view, name="webhook-log"),
    path("webhooks/<int:endpoint_id>/test/", views.webhook_test_view, name="webhook-test"),
    path("webhooks/<int:endpoint_id>/enable/", views.webhook_enable_view, name="webhook-enable"),
    path("webhooks/<int:endpoint_id>/delete/", views.webhook_delete_view, name="webhook-delete"),
]
