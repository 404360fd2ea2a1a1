"""Contact URLs, mounted at the site root by config/urls.py."""

from django.urls import path

from . import views

app_name = "contact"
urlpatterns = [
    path("contact/", views.contact_view, name="contact"),
    path("contact/sent/", views.contact_sent_view, name="contact-sent"),
    path("contact/conversations/", views.conversation_list_view, name="conversation-list"),
    path(
        "contact/conversations/<int:conversation_id>/",
        views.conversation_detail_view,
        name="conversation-detail",
    ),
]
