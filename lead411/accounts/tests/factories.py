"""factory_boy factories for the accounts models: users, applications, requests, reports.

Times come from the project clock (``lead411.core.clock.now``), read when the row is
built, so a test that freezes the clock gets rows stamped with the frozen time.
"""

from typing import Any

import factory

from lead411.accounts.models import AccountChangeRequest, Application, StolenPasswordReport, User
from lead411.core import clock

PASSWORD = "correct horse battery staple 2026"  # the root conftest's PASSWORD, kept equal


def _now() -> Any:
    return clock.now()


class UserFactory(factory.django.DjangoModelFactory[User]):
    """A member created as staff code creates users: ``create_user``, address verified.

    Get-or-create by ``email`` (the natural key); ``password`` is ``PASSWORD`` unless
    given (``password=None`` makes an unusable one, like an invited member).
    Traits: ``staff``, ``superuser``, ``inactive``.
    """

    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    password = PASSWORD
    first_name = factory.Sequence(lambda n: f"First{n}")
    last_name = factory.Sequence(lambda n: f"Last{n}")
    is_active = True
    is_staff = False
    is_superuser = False

    class Params:
        staff = factory.Trait(is_staff=True)
        superuser = factory.Trait(is_staff=True, is_superuser=True)
        inactive = factory.Trait(is_active=False)

    @classmethod
    def _create(cls, model_class: type[User], *args: Any, **kwargs: Any) -> User:
        manager = model_class.objects
        email = manager.normalize_email(kwargs.pop("email"))
        existing = manager.filter(email=email).first()
        if existing is not None:
            return existing
        return manager.create_user(email, kwargs.pop("password"), **kwargs)


class ApplicationFactory(factory.django.DjangoModelFactory[Application]):
    """A membership application, pending review (the model's default); trait ``approved``."""

    class Meta:
        model = Application

    user = factory.SubFactory(UserFactory)
    company = factory.Sequence(lambda n: f"Company {n}")
    job_title = "Head of Sales"
    telephone = factory.Sequence(lambda n: f"+1 555 01{n % 10000:04d}")
    industry = "Software"
    company_size = Application.CompanySize.S11_50
    country = "United States"
    status = Application.Status.PENDING
    submitted_at = factory.LazyFunction(_now)

    class Params:
        approved = factory.Trait(
            status=Application.Status.APPROVED, decided_at=factory.LazyFunction(_now)
        )
        refused = factory.Trait(
            status=Application.Status.REFUSED,
            decided_at=factory.LazyFunction(_now),
            refusal_reason="We could not confirm the company.",
        )


class AccountChangeRequestFactory(factory.django.DjangoModelFactory[AccountChangeRequest]):
    """An open request from a logged-in member to change their name."""

    class Meta:
        model = AccountChangeRequest

    user = factory.SubFactory(UserFactory)
    contact_email = factory.LazyAttribute(
        lambda o: o.user.email if o.user else "someone@example.com"
    )
    name = factory.LazyAttribute(
        lambda o: f"{o.user.first_name} {o.user.last_name}".strip() if o.user else "Someone"
    )
    kind = AccountChangeRequest.Kind.NAME
    details = "Please spell my last name with a capital letter."
    status = AccountChangeRequest.Status.OPEN
    created_at = factory.LazyFunction(_now)


class StolenPasswordReportFactory(factory.django.DjangoModelFactory[StolenPasswordReport]):
    """An open stolen-password report (staff have not sent the reset link yet)."""

    class Meta:
        model = StolenPasswordReport

    user = factory.SubFactory(UserFactory)
    reported_at = factory.LazyFunction(_now)
    sessions_ended = 1
