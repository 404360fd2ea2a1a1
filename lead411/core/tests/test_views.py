"""Health check and the error pages."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from lead411.core.views import bad_request_view, server_error_view


@pytest.mark.django_db
def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["database"] == "ok"
    assert body["vendor"] in {"sqlite", "postgresql"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_unknown_pages_get_the_404_page_in_the_site_layout(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert "<h1>Page not found</h1>" in html
    assert 'class="skip-link"' in html
    assert "Company and funding data: CrunchBase 2015 export" in html


@pytest.mark.django_db
def test_a_disallowed_host_gets_the_400_page(client):
    response = client.get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert "<h1>Bad request</h1>" in response.content.decode()


@pytest.mark.django_db
def test_error_views_render_their_status_and_title():
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    assert bad_request_view(request).status_code == 400
    response = server_error_view(request)
    assert response.status_code == 500
    assert "<h1>Server error</h1>" in response.content.decode()


def test_robots_txt_keeps_crawlers_out_of_private_areas(client):
    response = client.get("/robots.txt")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    body = response.content.decode()
    assert body.startswith("User-agent: *\n")
    assert "Disallow: /members/\n" in body
    assert "Disallow: /api/\n" in body
    assert "Disallow: /about/" not in body


def test_favicon_ico_leads_to_the_svg_icon(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith("core/favicon.svg")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "path", ["/", "/about/", "/contact/", "/healthz", "/privacy/", "/robots.txt"]
)
def test_head_is_answered_wherever_get_is(client, path):
    get, head = client.get(path), client.head(path)
    assert get.status_code == 200
    assert head.status_code == 200
    assert head.content == b""
    assert head["Content-Type"] == get["Content-Type"]
