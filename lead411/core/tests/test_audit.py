"""The audit log is append-only and readable by superusers only (clause P8)."""

import pytest

from lead411.core.audit import audit_record, diff
from lead411.core.models import AuditEvent


@pytest.mark.clause("P8")
@pytest.mark.django_db
def test_audit_events_cannot_be_edited_or_deleted(member, staff):
    event = audit_record(
        actor=staff,
        action="change",
        obj=member,
        changes={"first_name": {"before": "A", "after": "B"}},
    )
    assert (event.actor_label, event.object_type, event.object_id) == (
        "staff@example.com",
        "accounts.user",
        str(member.pk),
    )
    event.verb = "tampered"
    with pytest.raises(ValueError, match="append-only"):
        event.save()
    with pytest.raises(ValueError, match="append-only"):
        event.delete()
    assert AuditEvent.objects.get(pk=event.pk).verb == ""


@pytest.mark.clause("P8")
@pytest.mark.django_db
def test_only_superusers_read_the_log_in_the_admin_and_nobody_edits_it(
    client, member, staff, superuser
):
    event = audit_record(actor=staff, action="view", obj=member)
    client.force_login(staff)
    assert client.get("/admin/core/auditevent/").status_code == 403

    client.force_login(superuser)
    assert client.get("/admin/core/auditevent/").status_code == 200
    page = client.get(f"/admin/core/auditevent/{event.pk}/change/")
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert client.get("/admin/core/auditevent/add/").status_code == 403
    assert (
        client.post(f"/admin/core/auditevent/{event.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.clause("P8")
def test_diff_lists_only_changed_fields():
    assert diff(before={"a": 1, "b": 2}, after={"a": 1, "b": 3}) == {"b": {"before": 2, "after": 3}}
