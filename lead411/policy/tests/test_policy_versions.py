"""Versioned policy: immutability, publication, notice banner, old versions, diff (clause P15)."""

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.urls import reverse

from lead411.accounts.models import User
from lead411.core.models import AuditEvent
from lead411.mail.models import Delivery
from lead411.mail.outbox import delivery_email_message
from lead411.mail.services import mail_preferences_set, message_id_for
from lead411.policy.models import PolicyAcknowledgement, PolicyVersion
from lead411.policy.services import (
    policy_notice_email_send,
    policy_notice_key,
    policy_version_publish,
)

pytestmark = pytest.mark.django_db


@pytest.mark.clause("P15")
def test_publishing_sets_publication_and_effective_time_and_is_audited(staff):
    draft = PolicyVersion.objects.create(number=1, body="Text")

    version = policy_version_publish(actor=staff, version=draft, notify_by_email=False)

    assert version.published_at is not None
    assert version.effective_at == version.published_at
    assert version.published_by == staff
    event = AuditEvent.objects.get(object_type="policy.policyversion", object_id=str(version.pk))
    assert (event.verb, event.actor) == ("publish", staff)


@pytest.mark.clause("P15")
def test_a_later_effective_time_chosen_by_staff_is_kept(staff):
    later = dt.datetime(2099, 1, 1, tzinfo=dt.UTC)
    draft = PolicyVersion.objects.create(number=1, body="Text", effective_at=later)

    version = policy_version_publish(actor=staff, version=draft, notify_by_email=False)

    assert version.effective_at == later


@pytest.mark.clause("P15")
def test_a_published_version_cannot_be_changed_or_deleted(make_version):
    version = make_version(1, "Original text")

    version.body = "Rewritten"
    with pytest.raises(
        ValidationError, match="Version 1 is published and can no longer be changed"
    ):
        version.save()
    with pytest.raises(ValidationError, match="Version 1 is published"):
        version.full_clean()
    with pytest.raises(ValidationError, match="Version 1 is published"):
        version.delete()
    assert PolicyVersion.objects.get(number=1).body == "Original text"


def test_a_draft_can_be_edited_and_deleted(db):
    draft = PolicyVersion.objects.create(number=1, body="First try")
    draft.body = "Second try"
    draft.save()
    assert PolicyVersion.objects.get(pk=draft.pk).body == "Second try"
    draft.delete()
    assert not PolicyVersion.objects.exists()


def test_publishing_twice_or_out_of_order_is_refused(make_version):
    first = make_version(1, "One")
    with pytest.raises(ValidationError, match=r"Version 1 is already published\."):
        policy_version_publish(actor=None, version=first)
    make_version(2, "Two", publish=False)
    third = make_version(3, "Three", publish=False)
    with pytest.raises(ValidationError, match=r"Version 3 cannot be published before version 2\."):
        policy_version_publish(actor=None, version=third)


def _banner(user: User) -> str:
    request = RequestFactory().get("/leads/")
    request.user = user
    return render_to_string("policy/notice_banner.html", request=request)


@pytest.mark.clause("P15")
def test_members_see_the_notice_until_they_acknowledge_it(client, member, make_version):
    other = User.objects.create_user("other@example.com", "x" * 20)
    make_version(1, "One")
    make_version(2, "Two", summary_of_changes="Shorter log retention.")

    banner = _banner(member)
    assert "Version 2 was posted" in banner
    assert "Shorter log retention." in banner
    assert 'name="version" value="2"' in banner

    client.force_login(member)
    response = client.post(reverse("policy:acknowledge"), {"version": "2", "next": "/contact/"})

    assert response.status_code == 302
    assert response["Location"] == "/contact/"
    assert PolicyAcknowledgement.objects.filter(user=member, version__number=2).count() == 1
    assert _banner(member).strip() == ""
    assert "Version 2 was posted" in _banner(other)  # each member acknowledges for themselves


@pytest.mark.clause("P15")
def test_a_new_version_shows_the_notice_again(member, make_version):
    v1 = make_version(1, "One")
    PolicyAcknowledgement.objects.create(user=member, version=v1, acknowledged_at=v1.published_at)
    assert _banner(member).strip() == ""

    make_version(2, "Two")

    assert "Version 2 was posted" in _banner(member)


def test_anonymous_visitors_get_no_notice(client, make_version):
    make_version(1, "One")
    response = client.get(reverse("policy:privacy"))
    assert response.context["policy_notice"] is None


def test_acknowledge_ignores_an_offsite_next(member_client, make_version):
    make_version(1, "One")
    response = member_client.post(
        reverse("policy:acknowledge"), {"version": "1", "next": "https://evil.example/"}
    )
    assert response["Location"] == reverse("policy:privacy")


def test_acknowledging_twice_keeps_one_record(member_client, member, make_version):
    make_version(1, "One")
    for _ in range(2):
        member_client.post(reverse("policy:acknowledge"), {"version": "1"})
    assert PolicyAcknowledgement.objects.filter(user=member).count() == 1


@pytest.mark.clause("P15")
def test_publishing_emails_consenting_members_exactly_once_and_nobody_else(member, make_version):
    yes = User.objects.create_user("yes@example.com", "x" * 20)
    withdrew = User.objects.create_user("withdrew@example.com", "x" * 20)
    User.objects.create_user("default@example.com", "x" * 20)  # updates are off by default
    mail_preferences_set(member=yes, consents={"updates": True})
    mail_preferences_set(member=withdrew, consents={"updates": False})
    make_version(1, "One")
    draft = make_version(2, "Two", publish=False, summary_of_changes="New cookie section.")

    version = policy_version_publish(actor=None, version=draft)
    call_command("policy_notify", "2", stdout=io.StringIO())  # a rerun queues nothing new

    deliveries = Delivery.objects.filter(key__startswith="policy-v2:")
    assert [(d.to_email, d.stream, d.status) for d in deliveries] == [
        ("yes@example.com", "updates", Delivery.Status.PENDING)
    ]
    # The email exactly as the outbox's sender builds it from the row.
    email = delivery_email_message(delivery=deliveries[0])
    assert email.to == ["yes@example.com"]
    assert email.subject.startswith("Lead411 privacy policy: version 2, effective ")
    assert "New cookie section." in email.body
    assert "/privacy/v/2/" in email.body
    assert "/privacy/diff/?a=1&b=2" in email.body
    assert "List-Unsubscribe" in email.extra_headers
    yes_key = policy_notice_key(version=version, member=yes)
    assert email.extra_headers["Message-ID"] == message_id_for(key=yes_key)


@pytest.mark.clause("P15")
def test_every_consenting_member_gets_exactly_one_notice_and_the_count_is_what_was_queued(
    make_version,
):
    """Three members opted in, one did not: three notices, counted as three, never resent."""
    opted_in = [User.objects.create_user(f"m{n}@example.com", "x" * 20) for n in range(3)]
    for member in opted_in:
        mail_preferences_set(member=member, consents={"updates": True})
    User.objects.create_user("default@example.com", "x" * 20)  # updates are off by default
    make_version(1, "One")
    version = policy_version_publish(
        actor=None, version=make_version(2, "Two", publish=False), notify_by_email=False
    )

    assert policy_notice_email_send(version=version) == 3
    assert policy_notice_email_send(version=version) == 0  # a rerun queues nobody again

    notices = Delivery.objects.filter(key__startswith="policy-v2:").order_by("to_email")
    assert [(d.to_email, d.status) for d in notices] == [
        (f"m{n}@example.com", Delivery.Status.PENDING) for n in range(3)
    ]
    assert [d.key for d in notices] == [
        policy_notice_key(version=version, member=m) for m in opted_in
    ]


@pytest.mark.clause("P15")
def test_current_and_old_versions_are_reachable(client, make_version):
    make_version(1, "## First\n\nWe keep logs for 30 days.")
    make_version(2, "## Second\n\nWe keep logs for 14 days.")
    make_version(3, "Draft text", publish=False)

    current = client.get(reverse("policy:privacy"))
    old = client.get(reverse("policy:version", args=[1]))

    assert current.status_code == 200
    assert "We keep logs for 14 days." in current.content.decode()
    assert "Version 2 · effective" in current.content.decode()
    assert old.status_code == 200
    assert "We keep logs for 30 days." in old.content.decode()
    assert "This is an earlier version." in old.content.decode()
    assert client.get(reverse("policy:version", args=[3])).status_code == 404
    assert client.get(reverse("policy:version", args=[9])).status_code == 404


@pytest.mark.clause("P15")
def test_a_version_effective_later_is_announced_but_not_yet_current(client, make_version):
    make_version(1, "Version one text")
    make_version(2, "Version two text", effective_at=dt.datetime(2099, 1, 2, 12, tzinfo=dt.UTC))

    body = client.get(reverse("policy:privacy")).content.decode()

    assert "Version one text" in body
    assert "Version 2 is posted and takes effect on January 2, 2099" in body


@pytest.mark.clause("P15")
def test_diff_page_shows_the_changed_lines_escaped(client, make_version):
    make_version(1, "Intro\nWe keep logs for 30 days.\nOutro")
    make_version(2, "Intro\nWe keep logs for 14 days. <script>x</script>\nOutro")

    response = client.get(reverse("policy:diff"), {"a": "1", "b": "2"})
    body = response.content.decode()

    assert response.status_code == 200
    assert '<span class="diff-removed">\u2212 We keep logs for 30 days.</span>' in body
    assert (
        '<span class="diff-added">+ We keep logs for 14 days. &lt;script&gt;x&lt;/script&gt;</span>'
        in body
    )
    assert "<script>x</script>" not in body
    assert client.get(reverse("policy:diff"), {"a": "1", "b": "7"}).status_code == 404
    assert client.get(reverse("policy:diff"), {"a": "x"}).status_code == 404


def test_diff_without_parameters_compares_the_latest_with_the_one_before(client, make_version):
    make_version(1, "Alpha")
    make_version(2, "Beta")
    body = client.get(reverse("policy:diff")).content.decode()
    assert "What changed between version 1 and version 2" in body


@pytest.mark.clause("P15")
def test_admin_shows_a_published_version_read_only(admin_client, make_version):
    version = make_version(1, "Original")
    url = reverse("admin:policy_policyversion_change", args=[version.pk])

    page = admin_client.get(url)
    post = admin_client.post(url, {"number": "1", "title": "Changed", "body": "Changed"})
    delete = admin_client.post(
        reverse("admin:policy_policyversion_delete", args=[version.pk]), {"post": "yes"}
    )

    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert post.status_code == 403
    assert delete.status_code == 403
    assert PolicyVersion.objects.get(pk=version.pk).body == "Original"


@pytest.mark.clause("P15")
def test_admin_action_publishes_a_draft(admin_client, admin_user, make_version):
    make_version(1, "One")
    draft = make_version(2, "Two", publish=False)

    response = admin_client.post(
        reverse("admin:policy_policyversion_changelist"),
        {"action": "publish_selected", "_selected_action": [str(draft.pk)]},
        follow=True,
    )

    draft.refresh_from_db()
    assert draft.is_published
    assert draft.published_by == admin_user
    assert "Version 2 is published" in response.content.decode()


def test_admin_new_draft_starts_from_the_latest_text(admin_client, make_version):
    make_version(1, "Latest text")
    page = admin_client.get(reverse("admin:policy_policyversion_add"))
    assert page.context["adminform"].form.initial["number"] == 2
    assert page.context["adminform"].form.initial["body"] == "Latest text"


def test_admin_previews_a_draft_sanitised(admin_client, make_version):
    draft = make_version(1, "## Heading\n\n<script>alert(1)</script>", publish=False)
    page = admin_client.get(reverse("admin:policy_policyversion_change", args=[draft.pk]))
    body = page.content.decode()
    assert "<h2>Heading</h2>" in body
    assert "<script>alert(1)</script>" not in body
