"""The member's API token page, mounted at ``/members/api-tokens/``."""

from django.urls import path

from . import views

app_name = "api_tokens"

urlpatterns = [
    path("", views.api_token_list_view, name="list"),
    path("<int:token_id>/revoke/", views.api_token_revoke_view, name="revoke"),
]
