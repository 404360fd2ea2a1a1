"""The member's own activity page, mounted at /me/activity/ by config/urls.py."""

from django.urls import path

from . import views

app_name = "activity"
urlpatterns = [
    path("", views.my_activity_view, name="mine"),
]
