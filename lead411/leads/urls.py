"""Lead search, detail, export, export-job and saved-search URLs, mounted at /leads/ by config/urls.py."""

from django.urls import path

from lead411.leads import views

app_name = "leads"
urlpatterns = [
    path("", views.lead_search_view, name="search"),
    path("export.csv", views.lead_export_csv_view, name="export-csv"),
    path("exports/", views.export_job_list_view, name="export-job-list"),
    path("exports/new/", views.export_job_create_view, name="export-job-create"),
    path("exports/<uuid:public_id>/", views.export_job_view, name="export-job"),
    path(
        "exports/<uuid:public_id>/progress/",
        views.export_job_progress_view,
        name="export-job-progress",
    ),
    path(
        "exports/<uuid:public_id>/download/",
        views.export_job_download_view,
        name="export-job-download",
    ),
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
