"""Lists never leave: mail goes only to the member it is about; the export is superuser-only and audited (P6)."""

import csv
import io

import pytest
from django.urls import reverse
from django.utils import timezone

from lead411.accounts.models import User
from lead411.core.models import AuditEvent
from lead411.leads import services as lead_services
from lead411.mail import services
from lead411.mail.models import Delivery, MemberExportRecord
from lead411.newsletter.digest import newsletter_issue_build

from .conftest import make_member, new_event

pytestmark = [pytest.mark.django_db, pytest.mark.clause("P6")]


def test_each_newsletter_goes_to_its_member_and_names_no_other_address():
    members = [make_member(f"m{n}@example.com") for n in range(5)]
    for member in members:
        lead_services.saved_search_create(member=member, name="All", criteria={})
    new_event()
    newsletter_issue_build(date=timezone.localdate())
    deliveries = list(Delivery.objects.select_related("member"))
    assert len(deliveries) == 5
    for delivery in deliveries:
        assert delivery.to_email == delivery.member.email
        others = {m.email for m in members} - {delivery.to_email}
        body = "".join(delivery.parts()) + str(delivery.headers)
        assert not any(address in body for address in others)


def test_staff_who_are_not_superusers_cannot_export(client, staff):
    client.force_login(staff)
    assert client.get(reverse("mail:member-export")).status_code == 403
    assert client.post(reverse("mail:member-export"), {"purpose": "x"}).status_code == 403
    assert not MemberExportRecord.objects.exists()


def test_superuser_export_is_recorded_with_its_purpose(client):
    boss = User.objects.create_superuser("boss@example.com", None)
    make_member("ann@example.com", "Ann")
    client.force_login(boss)
    assert client.post(reverse("mail:member-export"), {"purpose": " "}).status_code == 200
    assert not MemberExportRecord.objects.exists()
    response = client.post(
        reverse("mail:member-export"), {"purpose": "Move to a new mail provider"}
    )
    assert response["Content-Disposition"] == 'attachment; filename="lead411-members.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == services.MEMBER_EXPORT_COLUMNS
    assert rows[2][:2] == ["ann@example.com", "Ann"]
    record = MemberExportRecord.objects.get()
    assert (record.actor_label, record.rows, record.purpose) == (
        "boss@example.com",
        2,
        "Move to a new mail provider",
    )
    event = AuditEvent.objects.get(verb="member export")
    assert event.actor_label == "boss@example.com"
    assert event.changes == {"purpose": {"before": None, "after": "Move to a new mail provider"}}
