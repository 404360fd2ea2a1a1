"""Security headers and Django's deployment checks (clause P10: a protected member area)."""

import importlib
import os
import secrets
import subprocess
import sys

import pytest
from django.conf import settings


@pytest.mark.django_db
@pytest.mark.clause("P10")
def test_every_response_carries_the_security_headers(client):
    response = client.get("/healthz")

    csp = response.headers["Content-Security-Policy"]
    script_src = next(d for d in csp.split(";") if d.strip().startswith("script-src"))
    assert script_src.split() == ["script-src", "'self'"]
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cross-Origin-Opener-Policy"] == "same-origin"


@pytest.mark.clause("P10")
def test_production_settings_pass_the_deploy_check_at_warning_level():
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "SECRET_KEY": secrets.token_urlsafe(60),
        "ALLOWED_HOSTS": "leads.example.com",
    }
    done = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


@pytest.mark.clause("P10")
def test_production_cookies_are_secure_httponly_and_samesite(monkeypatch):
    monkeypatch.setenv("SECRET_KEY", secrets.token_urlsafe(60))
    sys.modules.pop("config.settings.production", None)
    production = importlib.import_module("config.settings.production")

    assert production.SESSION_COOKIE_SECURE is True
    assert production.CSRF_COOKIE_SECURE is True
    assert production.SESSION_COOKIE_HTTPONLY is True
    assert production.SESSION_COOKIE_SAMESITE == "Lax"
    assert production.SECURE_HSTS_SECONDS >= 31536000
