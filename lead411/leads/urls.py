"""Lead search, detail, export and saved-search URLs, mounted at /leads/ by config/urls.py."""

from django.urls import path

from lead411.leads import views

app_name = "leads"
urlpatterns = [
    path("", views.lead_search_view, name="search"),
    path("export.csv", views.lead_export_csv_view, name="export-csv"),
    path("<int:event_id>/", views.lead_detail_view, name="detail"),
    path("searches/", views.saved_search_list_view, name="saved-search-list"),
    path("searches/new/", views.saved_search_create_view, name="saved-search-create"),
    path("searches/<int:search_id>/edit/", views.saved_search_edit_view, name="saved-search-edit"),
    path(
        "searches/<int:search_id>/delete/",
        views.saved_search_delete_view,
        name="saved-search-delete",
    ),
]
