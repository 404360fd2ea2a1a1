"""Public page URLs, mounted at the site root by config/urls.py."""

from django.urls import path

from lead411.pages import views

app_name = "pages"
urlpatterns = [
    path("", views.home_view, name="home"),
    path("about/", views.about_view, name="about"),
]
