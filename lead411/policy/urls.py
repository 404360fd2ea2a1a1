"""Privacy policy and contact URLs, mounted at the site root by config/urls.py."""

from django.urls import path

from lead411.policy import views

app_name = "policy"
urlpatterns = [
    path("privacy/", views.policy_current_view, name="privacy"),
    path("privacy/v/<int:number>/", views.policy_version_view, name="version"),
    path("privacy/diff/", views.policy_diff_view, name="diff"),
    path("privacy/acknowledge/", views.policy_acknowledge_view, name="acknowledge"),
    path("contact/", views.contact_view, name="contact"),
    path("contact/sent/", views.contact_sent_view, name="contact-sent"),
    path("contact/conversations/", views.conversation_list_view, name="conversation-list"),
    path(
        "contact/conversations/<int:conversation_id>/",
        views.conversation_detail_view,
        name="conversation-detail",
    ),
]
