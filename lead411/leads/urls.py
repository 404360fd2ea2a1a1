"""Lead search, detail and export URLs, mounted at /leads/ by config/urls.py."""

from django.urls import path

from lead411.leads import views

app_name = "leads"
urlpatterns = [
    path("", views.lead_search_view, name="search"),
    path("export.csv", views.lead_export_csv_view, name="export-csv"),
    path("<int:event_id>/", views.lead_detail_view, name="detail"),
]
