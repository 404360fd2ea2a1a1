"""Root URL configuration: one include per app."""

from django.contrib import admin
from django.urls import include, path

from lead411.core.views import favicon_view, healthz_view, robots_txt_view

admin.site.site_header = "Lead411 staff"
admin.site.site_title = "Lead411 staff"

urlpatterns = [
    path("healthz", healthz_view, name="healthz"),
    path("robots.txt", robots_txt_view, name="robots-txt"),
    path("favicon.ico", favicon_view, name="favicon"),
    path("admin/", admin.site.urls),
    path("staff/weblog/", include("lead411.weblog.urls")),
    path("me/activity/", include("lead411.activity.urls")),
    path("staff/activity/", include("lead411.activity.staff_urls")),
    path("staff/reports/", include("lead411.reports.urls")),
    path("accounts/", include("allauth.urls")),
    path("members/", include("lead411.accounts.urls")),
    path("members/", include("lead411.privacy.urls")),
    path("members/api-tokens/", include("lead411.api.member_urls")),
    path("api/", include("lead411.api.urls")),
    path("leads/", include("lead411.leads.urls")),
    path("companies/", include("lead411.leads.company_urls")),
    path("newsletter/", include("lead411.newsletter.urls")),
    # Mail links already sent point under /newsletter/, where the mail app grew up.
    path("newsletter/", include("lead411.mail.urls")),
    path("", include("lead411.policy.urls")),
    path("", include("lead411.contact.urls")),
    path("", include("lead411.pages.urls")),
]

handler400 = "lead411.core.views.bad_request_view"
handler403 = "lead411.core.views.permission_denied_view"
handler404 = "lead411.core.views.not_found_view"
handler500 = "lead411.core.views.server_error_view"
