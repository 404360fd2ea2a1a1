"""Newsletter URLs (staff previews), mounted at /newsletter/ by config/urls.py."""

from django.urls import path

from . import views

app_name = "newsletter"
urlpatterns = [
    path("preview/", views.newsletter_preview_view, name="preview"),
    path(
        "preview/<int:member_id>/<str:date>/",
        views.newsletter_preview_body_view,
        name="preview-body",
    ),
    path(
        "updates/<int:update_id>/preview/", views.product_update_preview_view, name="update-preview"
    ),
]
