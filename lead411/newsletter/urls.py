"""Newsletter URLs, mounted at /newsletter/ by config/urls.py."""

from django.urls import path

from . import views

app_name = "newsletter"
urlpatterns = [
    path("searches/", views.saved_search_list_view, name="saved-search-list"),
    path("searches/new/", views.saved_search_create_view, name="saved-search-create"),
    path("searches/<int:search_id>/edit/", views.saved_search_edit_view, name="saved-search-edit"),
    path(
        "searches/<int:search_id>/delete/",
        views.saved_search_delete_view,
        name="saved-search-delete",
    ),
    path("preferences/", views.preferences_view, name="preferences"),
    path("unsubscribe/<str:token>/", views.unsubscribe_view, name="unsubscribe"),
    path("preview/", views.newsletter_preview_view, name="preview"),
    path(
        "preview/<int:member_id>/<str:date>/",
        views.newsletter_preview_body_view,
        name="preview-body",
    ),
    path("members/export/", views.member_export_view, name="member-export"),
    path(
        "updates/<int:update_id>/preview/", views.product_update_preview_view, name="update-preview"
    ),
]
