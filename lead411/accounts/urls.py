"""Member account URLs, mounted at /members/."""

from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("application/", views.application_view, name="application"),
    path("account/", views.account_view, name="account"),
    path("stolen-password/", views.stolen_password_view, name="stolen-password"),
    path(
        "stolen-password/<str:token>/", views.stolen_password_link_view, name="stolen-password-link"
    ),
    path("suspended/", views.suspended_view, name="suspended"),
    path("change-request/", views.account_change_request_view, name="change-request"),
]
