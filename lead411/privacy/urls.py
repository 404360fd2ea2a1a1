"""Privacy URLs, mounted at /members/ by config/urls.py beside the account pages."""

from django.urls import path

from . import views

app_name = "privacy"
urlpatterns = [
    path("account/delete/", views.account_delete_view, name="delete"),
    path("account/my-data.json", views.my_data_view, name="my-data"),
]
