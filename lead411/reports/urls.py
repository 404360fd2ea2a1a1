"""Staff report builder, releases and the disclosure register, mounted at /staff/reports/."""

from django.urls import path

from . import views

app_name = "reports"
urlpatterns = [
    path("", views.report_builder_view, name="builder"),
    path("release/", views.report_release_view, name="release"),
    path("disclosures/", views.disclosure_list_view, name="disclosures"),
    path("disclosures/<int:pk>/", views.disclosure_detail_view, name="disclosure"),
    path("disclosures/<int:pk>/files/<int:file_id>/", views.disclosure_file_view, name="file"),
]
