"""django-allauth adapter: sign-up files a membership application; links use SITE_URL."""

from typing import Any
from urllib.parse import quote

from allauth.account.adapter import DefaultAccountAdapter
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction
from django.forms import BaseForm
from django.http import HttpRequest
from django.urls import reverse

from lead411.core.mail import message_send_or_queue
from lead411.core.urls import absolute_url, site_identity

from .selectors import stolen_password_report_open


def user_display(user: Any) -> str:
    """Return how allauth names a user to that user ("signed in as ..."): their email.

    ``User.__str__`` deliberately identifies no one, for the admin (clause P8).
    """
    return str(user.email)


class MembershipAccountAdapter(DefaultAccountAdapter):
    """Open sign-up as an application (clauses P3, P10, P12)."""

    def is_open_for_signup(self, request: HttpRequest) -> bool:
        """Return True: anyone may apply; staff decide."""
        return True

    def save_user(
        self, request: HttpRequest, user: Any, form: BaseForm, commit: bool = True
    ) -> Any:
        """Save the user and their pending application in one transaction."""
        from .services import PROFILE_FIELDS, application_submit

        with transaction.atomic():
            user = super().save_user(request, user, form, commit=commit)
            if commit:
                data = form.cleaned_data
                application_submit(user=user, **{k: data[k] for k in PROFILE_FIELDS})
        return user

    def send_account_already_exists_mail(self, email: str) -> None:
        """Tell the owner of a taken address, after as much hashing as a new account costs.

        A new application hashes its password once (Argon2id, a measurable fraction of a
        second); allauth skips that for a taken address, so the answer's timing told
        which addresses have accounts. One throw-away hash evens it (clause P10).
        """
        make_password("an application for an address that has an account")
        super().send_account_already_exists_mail(email)

    def _get_login_attempts_cache_key(self, request: HttpRequest, **credentials: Any) -> str:
        """Key failed logins on the lower-cased email alone.

        allauth prefixes the site's domain, which without django.contrib.sites is the
        request's Host header: an attacker could spread guesses over host names.
        """
        login = credentials.get("email", credentials.get("username", "")) or ""
        return f"login:{login.lower()}"

    def get_reset_password_from_key_url(self, key: str) -> str:
        """Return the reset link from SITE_URL (a spoofed Host header cannot redirect it)."""
        path = reverse("account_reset_password_from_key", kwargs={"uidb36": "UID", "key": "KEY"})
        return absolute_url(path.replace("UID-KEY", quote(key)))

    def get_email_confirmation_url(self, request: HttpRequest, emailconfirmation: Any) -> str:
        """Return the verification link from SITE_URL."""
        return absolute_url(reverse("account_confirm_email", args=[emailconfirmation.key]))

    def send_password_reset_mail(self, user: Any, email: str, context: dict[str, Any]) -> None:
        """Send the reset link, or while a stolen-password report is open a notice (P13).

        Then staff send the link themselves, and the member is told so instead. Every
        reset request sends exactly one email through ``send_mail`` (this link, the
        notice, or allauth's unknown-account email), so the page does the same work and
        waits on the same SMTP exchange whatever the address: its timing reveals nothing
        (clause P12, issue 17; a hanging server once answered 4 ms against 3 s).
        """
        if stolen_password_report_open(user=user) is not None:
            self.send_mail("account/email/password_reset_suspended", email, {"user": user})
            return
        super().send_password_reset_mail(user, email, context)

    def send_mail(self, template_prefix: str, email: str, context: dict[str, Any]) -> None:
        """Send an allauth email with the operator (P1), SITE_URL and the site's name.

        allauth's own ``send_mail`` adds ``email`` and ``current_site`` (from
        django.contrib.sites, which the project does not use); this one supplies both.
        Replies go to the operator's contact address. A mail-server outage queues the email for retry instead of failing the page.
        """
        context = {
            "email": email,
            "current_site": site_identity(),
            **context,
            "operator": settings.OPERATOR,
            "site_url": absolute_url(""),
        }
        message = self.render_mail(template_prefix, email, context)
        message.reply_to = [settings.OPERATOR["contact_email"]]
        message_send_or_queue(message)

    def get_from_email(self) -> str:
        """Return the membership sender (MEMBERSHIP_FROM_EMAIL), not the newsletter's."""
        return str(settings.MEMBERSHIP_FROM_EMAIL)

    def send_notification_mail(
        self,
        template_prefix: str,
        user: Any,
        context: dict[str, Any] | None = None,
        email: str | None = None,
    ) -> None:
        """Add a "report a stolen password" link to every password-changed notice (P13)."""
        from .views import stolen_password_token

        token = stolen_password_token(user=user)
        context = {
            **(context or {}),
            "stolen_password_url": absolute_url(
                reverse("accounts:stolen-password-link", args=[token])
            ),
        }
        super().send_notification_mail(template_prefix, user, context, email)
