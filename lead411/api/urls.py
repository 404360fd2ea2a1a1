"""The API itself, mounted at ``/api/``: version 1 and its docs page."""

from django.urls import path

from .api import api
from .views import api_docs_view

urlpatterns = [
    path("v1/docs", api_docs_view, name="api-docs"),
    path("v1/", api.urls),
]
