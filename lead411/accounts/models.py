"""Members and staff: one user model with the email address as the login."""

from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models

from lead411.accounts.plans import DEFAULT_PLAN, Plan


class EmailUserManager(UserManager["User"]):
    """Create users keyed by email; there is no username."""

    def _create_user_object(
        self, username: Any, email: str | None, password: str | None, **extra: Any
    ) -> "User":
        email = self.normalize_email(email)
        user = self.model(email=email, **extra)
        user.set_password(password)
        return user

    def create_user(  # type: ignore[override]  # email replaces username in the signature
        self, email: str, password: str | None = None, **extra: Any
    ) -> "User":
        """Return a saved member with the given email and password."""
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        user = self._create_user_object(None, email, password, **extra)
        user.save(using=self._db)
        # Users created by staff code (admin, createsuperuser, setup_demo) are vouched
        # for: their address counts as verified so mandatory verification lets them in.
        from allauth.account.models import EmailAddress

        EmailAddress.objects.update_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
        return user

    def create_superuser(  # type: ignore[override]  # email replaces username in the signature
        self, email: str, password: str | None = None, **extra: Any
    ) -> "User":
        """Return a saved superuser with the given email and password."""
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractUser):
    """A member or a staff user. Logs in with ``email``."""

    username = None  # type: ignore[assignment]  # email is the login
    email = models.EmailField("email address", unique=True)
    plan = models.CharField(
        max_length=16,
        choices=Plan.choices,
        default=DEFAULT_PLAN,
        # Rows written without the column (older code, migrations' historical models) too.
        db_default=DEFAULT_PLAN.value,
        help_text="Set by staff; what the member may do (see the pricing page).",
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    objects: ClassVar[EmailUserManager] = EmailUserManager()  # type: ignore[assignment]  # no username

    class Meta:
        ordering = ["email"]

    def __str__(self) -> str:
        """Return a label that identifies no one: "Member #12" or "Staff user #3" (clause P8).

        The admin prints str() in titles, breadcrumbs, messages, delete confirmations and
        its LogEntry.object_repr, where staff outside the sales-leads team must not read an
        email; views for the team show ``email`` explicitly.
        """
        return user_label(pk=self.pk, is_staff=self.is_staff)


def user_label(*, pk: int | None, is_staff: bool) -> str:
    """Return ``User.__str__`` for a user's ``pk`` and staff flag (also used by migrations)."""
    if pk is None:
        return "New user"
    return f"Staff user #{pk}" if is_staff else f"Member #{pk}"


class Application(models.Model):
    """A membership application: the registration details of one member (clauses P3, P8, P9).

    Status moves pending -> approved | refused | info_requested, and info_requested ->
    pending when the applicant answers. Only the sales-leads team
    (``accounts.view_registration_details``) sees these details in the admin.
    A user without an application was created by staff and is a member.
    """

    class Status(models.TextChoices):
        PENDING = "pending", "Pending review"
        INFO_REQUESTED = "info_requested", "More information requested"
        APPROVED = "approved", "Approved"
        REFUSED = "refused", "Refused"

    class CompanySize(models.TextChoices):
        S1_10 = "1-10", "1-10 employees"
        S11_50 = "11-50", "11-50 employees"
        S51_200 = "51-200", "51-200 employees"
        S201_1000 = "201-1000", "201-1,000 employees"
        S1001_PLUS = "1001+", "More than 1,000 employees"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="application"
    )
    company = models.CharField(max_length=200)
    job_title = models.CharField(max_length=200)
    telephone = models.CharField(max_length=40)
    industry = models.CharField(max_length=100)
    company_size = models.CharField(max_length=16, choices=CompanySize.choices)
    country = models.CharField("country or region", max_length=100)
    status = models.CharField(
        max_length=16, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    refusal_reason = models.TextField(blank=True)
    info_request = models.TextField(
        "information requested", blank=True, help_text="The question staff asked the applicant."
    )
    info_response = models.TextField(
        "applicant's answer", blank=True, help_text="What the applicant answered on the site."
    )
    submitted_at = models.DateTimeField()
    decided_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["submitted_at", "id"]
        permissions = [
            ("view_registration_details", "Can view registration details (sales-leads team)"),
        ]

    def __str__(self) -> str:
        return f"Application #{self.pk}"


class AccountChangeRequest(models.Model):
    """A request to staff to change a password, email or name (clause P11).

    Sent from a form that works logged in or not, for members who lost access to their
    mailbox; ``user`` is linked when the sender was logged in, staff link it otherwise.
    """

    class Kind(models.TextChoices):
        EMAIL = "email", "Change my email address"
        NAME = "name", "Change my name"
        PASSWORD = "password", "I cannot reset my password"  # a label, not a secret
        OTHER = "other", "Something else"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"
        DECLINED = "declined", "Declined"

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="account_change_requests",
    )
    contact_email = models.EmailField(help_text="Where staff answer.")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    details = models.TextField(max_length=4000)
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.OPEN)
    staff_note = models.TextField(blank=True, help_text="Sent to the member with the outcome.")
    created_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"Account change request #{self.pk} ({self.get_kind_display()})"


class StolenPasswordReport(models.Model):
    """A member's report that their password was stolen (clause P13).

    Filing it cancels the password and ends every session at once; staff complete it by
    sending a reset link, which sets ``completed_at``.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="stolen_password_reports"
    )
    reported_at = models.DateTimeField()
    sessions_ended = models.PositiveIntegerField(default=0)
    completed_at = models.DateTimeField(null=True, blank=True)
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-reported_at", "-id"]

    def __str__(self) -> str:
        return f"Stolen-password report #{self.pk} (member #{self.user_id})"
