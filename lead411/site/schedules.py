"""The site's recurring jobs, kept in django-q2's ``Schedule`` table.

Each app's job is declared here once, by dotted path, so the scheduler's table is
rebuilt from code and settings at every start (`manage.py sync_schedules`, run by
`make run`). A job whose interval is 0 minutes in settings is removed, not run.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django_q.models import Schedule

from lead411.core import clock

PREFIX = "lead411: "


@dataclass(frozen=True)
class Job:
    """One recurring job: ``func`` is a dotted path; ``minutes`` 0 disables it.

    ``at`` (``"HH:MM"`` in settings.TIME_ZONE) pins the first run, and so the
    time of day of a daily job.
    """

    name: str
    func: str
    minutes: int
    at: str | None = None


def next_local_time(hhmm: str) -> dt.datetime:
    """Return the next occurrence of ``hhmm`` (``"HH:MM"``, site time zone), aware.

    Raises ValueError when ``hhmm`` is not a valid time of day.
    """
    wall = dt.time.fromisoformat(hhmm)
    local_now = timezone.localtime(clock.now())
    candidate = local_now.replace(hour=wall.hour, minute=wall.minute, second=0, microsecond=0)
    if candidate <= local_now:
        candidate += dt.timedelta(days=1)
    return candidate


def configured_jobs() -> list[Job]:
    """Return the recurring jobs that the current settings ask for."""
    return [
        Job(
            "clear expired sessions", "lead411.core.tasks.sessions_clear_expired", 24 * 60, "03:30"
        ),
        Job("purge old member activity", "lead411.activity.tasks.activity_purge", 24 * 60, "03:45"),
        Job(
            "daily newsletter",
            "lead411.newsletter.tasks.newsletter_daily_send",
            24 * 60,
            settings.NEWSLETTER_SEND_TIME,
        ),
        Job(
            "instant alerts",
            "lead411.newsletter.tasks.newsletter_alerts_run",
            settings.NEWSLETTER_ALERT_POLL_MINUTES,
        ),
        Job("roll up the web log", "lead411.weblog.services.weblog_rollup", 24 * 60, "04:00"),
        Job(
            "poll SEC EDGAR",
            "lead411.leads.sources.edgar.services.edgar_poll",
            settings.EDGAR_POLL_MINUTES,
        ),
        Job(
            "read the SEC EDGAR daily index",
            "lead411.leads.sources.edgar.services.edgar_poll_daily_index",
            24 * 60 if settings.EDGAR_POLL_MINUTES else 0,
            settings.EDGAR_DAILY_INDEX_TIME,
        ),
        Job("send webhooks", "lead411.api.tasks.webhooks_run", settings.WEBHOOKS_POLL_MINUTES),
        Job(
            "delete expired lead exports",
            "lead411.leads.tasks.export_jobs_expire",
            settings.LEADS_EXPORT_CLEANUP_MINUTES,
        ),
        Job(
            "send outbox",
            "lead411.mail.tasks.outbox_drain",
            settings.NEWSLETTER_OUTBOX_POLL_MINUTES,
        ),
    ]


def schedules_sync(*, jobs: list[Job] | None = None) -> list[Schedule]:
    """Make the ``lead411: …`` rows of ``Schedule`` match ``jobs`` (default: configured_jobs()).

    Returns the schedules kept. Jobs with ``minutes <= 0`` are deleted, and so are
    schedules no longer declared, so a renamed job does not linger. A job's next run
    is kept when it is still in the future, so a restart does not postpone it.
    """
    declared = jobs if jobs is not None else configured_jobs()
    wanted = {PREFIX + job.name: job for job in declared if job.minutes > 0}
    kept: list[Schedule] = []
    with transaction.atomic():
        Schedule.objects.filter(name__startswith=PREFIX).exclude(name__in=wanted).delete()
        for name, job in wanted.items():
            schedule, created = Schedule.objects.update_or_create(
                name=name,
                defaults={
                    "func": job.func,
                    "schedule_type": Schedule.MINUTES,
                    "minutes": job.minutes,
                },
            )
            if created or schedule.next_run is None or schedule.next_run <= clock.now():
                schedule.next_run = next_local_time(job.at) if job.at else clock.now()
                schedule.save(update_fields=["next_run"])
            kept.append(schedule)
    return kept
