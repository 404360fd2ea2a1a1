"""Staff reports of the web log, mounted at /staff/weblog/."""

from django.urls import path

from . import views

app_name = "weblog"
urlpatterns = [
    path("", views.weblog_dashboard_view, name="dashboard"),
    path("export/<str:table>.csv", views.weblog_export_csv_view, name="export-csv"),
]
