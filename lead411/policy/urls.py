"""Privacy policy URLs, mounted at the site root by config/urls.py."""

from django.urls import path

from lead411.policy import views

app_name = "policy"
urlpatterns = [
    path("privacy/", views.policy_current_view, name="privacy"),
    path("privacy/v/<int:number>/", views.policy_version_view, name="version"),
    path("privacy/diff/", views.policy_diff_view, name="diff"),
    path("privacy/acknowledge/", views.policy_acknowledge_view, name="acknowledge"),
]
