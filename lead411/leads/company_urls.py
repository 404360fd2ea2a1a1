"""The company page, mounted at /companies/ by config/urls.py (issue 14)."""

from django.urls import path

from lead411.leads import views

app_name = "companies"
urlpatterns = [
    path("<int:company_id>/", views.company_detail_view, name="detail"),
]
