"""The sales-leads team's activity pages, mounted at /staff/activity/ by config/urls.py."""

from django.urls import path

from . import views

app_name = "activity_staff"
urlpatterns = [
    path("", views.activity_overview_view, name="overview"),
    path("<int:member_id>/", views.member_activity_view, name="member"),
]
