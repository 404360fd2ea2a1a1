"""Mail URLs, mounted at /newsletter/ by config/urls.py: links in mail already sent use it."""

from django.urls import path

from . import views

app_name = "mail"
urlpatterns = [
    path("preferences/", views.preferences_view, name="preferences"),
    path("unsubscribe/<str:token>/", views.unsubscribe_view, name="unsubscribe"),
    path("members/export/", views.member_export_view, name="member-export"),
]
