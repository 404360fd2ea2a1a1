"""What the leads app keeps about a member: saved searches, export jobs (``core.privacy_registry``)."""

from typing import Any

from django.conf import settings

from lead411.core.privacy_registry import Holding, Member, holding_register

from .models import ExportJob, SavedSearch

SAVED_SEARCH_FIELDS = (
    "name",
    "criteria",
    "include_in_newsletter",
    "pace",
    "weekday",
    "created_at",
    "updated_at",
)


def saved_searches_export(member: Member) -> list[dict[str, Any]]:
    return list(SavedSearch.objects.filter(member=member.user).values(*SAVED_SEARCH_FIELDS))


EXPORT_JOB_FIELDS = (
    "created_at",
    "preset",
    "described",
    "criteria",
    "with_bom",
    "status",
    "total",
    "processed",
    "rows_written",
    "download_name",
    "finished_at",
    "expires_at",
    "error",
)


def export_jobs_export(member: Member) -> list[dict[str, Any]]:
    """The member's background exports: the search, the format, the state and the times."""
    return list(
        ExportJob.objects.filter(member=member.user)
        .order_by("created_at", "id")
        .values(*EXPORT_JOB_FIELDS)
    )


def declare() -> None:
    """Put the leads app's holdings in the registry."""
    holding_register(
        Holding(
            key="saved_searches",
            title="Your saved searches",
            model="leads.SavedSearch",
            columns=("member", *SAVED_SEARCH_FIELDS),
            member_field="member",
            purpose="The searches you saved and how often you want their new leads, so "
            "that the newsletter and alerts can send you matches.",
            retention="Until you delete them or your account.",
            on_erasure="Deleted.",
            export=saved_searches_export,
        )
    )
    holding_register(
        Holding(
            key="export_jobs",
            title="Your large exports",
            model="leads.ExportJob",
            columns=("member", "public_id", "file_name", *EXPORT_JOB_FIELDS),
            member_field="member",
            purpose="The large exports of leads you asked for: the search, the format and how far the file "
            "got, so that you can follow its progress and download it.",
            retention=f"The file for {settings.LEADS_EXPORT_LINK_HOURS} hours after it is "
            f"ready, then deleted; the record of the export for "
            f"{settings.LEADS_EXPORT_JOB_KEEP_DAYS} days.",
            on_erasure="Deleted; the file is deleted by the next hourly clean-up.",
            export=export_jobs_export,
        )
    )
