"""A URL configuration for the middleware tests: one public page, one member page."""

from django.contrib import admin
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.urls import include, path


def public_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("<p>public</p>")


@login_required
def member_view(request: HttpRequest) -> HttpResponse:
    return HttpResponse("<p>member</p>")


urlpatterns = [
    path("", public_view, name="public"),
    path("pricing/", public_view, name="pricing"),
    path("member/", member_view, name="member"),
    path("admin/", admin.site.urls),
    path("staff/weblog/", include("lead411.weblog.urls")),
]
