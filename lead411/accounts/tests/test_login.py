"""Login, remember-me cookie, logout, password rules, brute-force limits (clauses P4, P10)."""

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.contrib.sessions.models import Session
from django.core.exceptions import ValidationError

from conftest import PASSWORD
from lead411.accounts.models import User

from .conftest import login, signup_data


@pytest.mark.clause("P10")
@pytest.mark.django_db
def test_passwords_are_stored_with_argon2id(member):
    assert member.password.startswith("argon2$argon2id$")
    assert member.check_password(PASSWORD)


@pytest.mark.clause("P10")
@pytest.mark.django_db
def test_password_length_between_15_and_1024_characters():
    with pytest.raises(ValidationError, match="at least 15 characters"):
        validate_password("fourteen chars")
    validate_password("fifteen chars!!")
    validate_password("x7" * 512)
    with pytest.raises(ValidationError, match="at most 1024 characters"):
        validate_password("x7" * 512 + "y")


@pytest.mark.clause("P10")
@pytest.mark.django_db
def test_signup_rejects_common_and_similar_passwords(client):
    body = client.post("/accounts/signup/", signup_data(password1="1234567890qwertyuiop")).content
    assert b"This password is too common." in body
    body = client.post(
        "/accounts/signup/", signup_data(password1="new.applicant@example.com")
    ).content
    assert b"too similar to the email address" in body
    assert not User.objects.exists()


@pytest.mark.clause("P4")
@pytest.mark.django_db
def test_without_remember_me_the_cookie_ends_with_the_browser(client, member):
    response = login(client, "member@example.com")
    assert response.status_code == 302
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["max-age"] == ""
    assert cookie["expires"] == ""
    assert client.session.get_expire_at_browser_close()


@pytest.mark.clause("P4")
@pytest.mark.django_db
def test_with_remember_me_the_cookie_lasts_30_days(client, member):
    response = login(client, "member@example.com", remember=True)
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert int(cookie["max-age"]) == 30 * 24 * 60 * 60
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"


@pytest.mark.clause("P10")
@pytest.mark.django_db
def test_session_id_rotates_at_login(client, member):
    client.get("/accounts/login/")
    client.session["probe"] = 1
    session = client.session
    session["probe"] = 1
    session.save()
    before = session.session_key
    login(client, "member@example.com")
    assert client.session.session_key != before


@pytest.mark.clause("P10")
@pytest.mark.django_db
def test_logout_is_post_only_and_ends_the_session_on_the_server(client, member):
    login(client, "member@example.com")
    key = client.session.session_key
    client.get("/accounts/logout/")
    assert Session.objects.filter(session_key=key).exists(), "GET must not log out"
    client.post("/accounts/logout/")
    assert not Session.objects.filter(session_key=key).exists()


@pytest.mark.clause("P10")
@pytest.mark.django_db
def test_failed_logins_are_limited_per_account_case_insensitively(client, member):
    for attempt in range(5):
        email = "MEMBER@example.com" if attempt % 2 else "member@example.com"
        body = login(client, email, password=f"wrong password, attempt {attempt}").content
        assert b"The email address and/or password you specified are not correct." in body
    response = login(client, "Member@Example.com")
    assert b"Too many failed login attempts. Try again later." in response.content
    assert "_auth_user_id" not in client.session


@pytest.mark.clause("P10")
@pytest.mark.django_db
def test_a_success_does_not_reset_failures_counted_for_another_account(client, member, staff):
    for _ in range(5):
        login(client, "member@example.com", password="a wrong password here")
    other = client.__class__()
    assert login(other, "staff@example.com").status_code == 302
    assert b"Too many failed" in login(client, "member@example.com").content


@pytest.mark.clause("P10")
@pytest.mark.django_db
def test_x_forwarded_for_is_ignored_without_a_trusted_proxy(client, member):
    for i in range(10):
        client.post(
            "/accounts/login/",
            {"login": f"nobody{i}@example.com", "password": "a wrong password here"},
            HTTP_X_FORWARDED_FOR=f"10.0.0.{i}",
        )
    body = login(client, "fresh@example.com", password="a wrong password here").content
    assert b"Too many failed login attempts" in body, "the per-IP limit uses REMOTE_ADDR"


@pytest.mark.clause("P10")
@pytest.mark.django_db
def test_admin_login_goes_through_the_rate_limited_member_login(client, staff):
    response = client.get("/admin/login/?next=/admin/accounts/user/")
    assert response.status_code == 302
    assert response.url == "/accounts/login/?next=/admin/accounts/user/"
    response = client.post("/admin/login/", {"username": "staff@example.com", "password": PASSWORD})
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


@pytest.mark.clause("P10")
@pytest.mark.django_db
def test_login_answers_alike_for_unknown_wrong_and_cancelled_accounts(client, member, applicant):
    cancelled = User.objects.create_user("cancelled@example.com", None)
    bodies = set()
    for email in ("nobody@example.com", "member@example.com", cancelled.email):
        response = login(client, email, password="not the right password")
        body = response.content.decode().replace(email, "EMAIL")
        bodies.add((response.status_code, body.split("csrfmiddlewaretoken")[0]))
    assert len(bodies) == 1


@pytest.mark.clause("P10")
def test_the_project_hashes_new_passwords_with_argon2():
    from config.settings import base

    assert base.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


@pytest.mark.clause("P10")
@pytest.mark.django_db
def test_login_runs_the_hasher_equally_for_every_account_state(
    client, member, applicant, monkeypatch
):
    from lead411.accounts.tests.hashers import FastArgon2PasswordHasher

    User.objects.create_user("cancelled@example.com", None)
    User.objects.create_user("inactive@example.com", PASSWORD, is_active=False)
    calls = {"n": 0}
    original_encode, original_verify = (
        FastArgon2PasswordHasher.encode,
        FastArgon2PasswordHasher.verify,
    )

    def encode(self, password, salt):
        calls["n"] += 1
        return original_encode(self, password, salt)

    def verify(self, password, encoded):
        calls["n"] += 1
        return original_verify(self, password, encoded)

    monkeypatch.setattr(FastArgon2PasswordHasher, "encode", encode)
    monkeypatch.setattr(FastArgon2PasswordHasher, "verify", verify)
    counts = {}
    for email in (
        "nobody@example.com",
        "member@example.com",
        "applicant@example.com",
        "cancelled@example.com",
        "inactive@example.com",
    ):
        calls["n"] = 0
        login(client, email, password="not the right password")
        counts[email] = calls["n"]
    assert len(set(counts.values())) == 1, counts


@pytest.mark.clause("P10")
@pytest.mark.django_db
def test_a_logged_in_member_gets_403_from_the_admin_not_a_redirect_loop(member_client):
    response = member_client.get("/admin/login/?next=/admin/")
    assert response.status_code == 403
    assert "This page is not open to your account." in response.content.decode()


@pytest.mark.clause("P4")
@pytest.mark.django_db
def test_login_page_has_one_forgot_password_link_and_a_labelled_remember_box(client):
    page = client.get("/accounts/login/").content.decode()
    assert page.count('href="/accounts/password/reset/"') == 1
    assert "Remember Me:" not in page
    assert (
        '<label class="checkbox-label"><input type="checkbox" name="remember" id="id_remember">'
        " Remember me</label>"
    ) in page
