"""Writes in the leads domain shared by every importer."""

import csv
import datetime as dt
import uuid
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import QueryDict
from django.urls import reverse
from django_q.tasks import async_task

from lead411.core import clock
from lead411.core.audit import audit_record
from lead411.core.models import AuditEvent
from lead411.core.urls import site_root
from lead411.leads.exports import (
    BOM,
    PRESETS,
    ExportTooLarge,
    Preset,
    TooManyExportJobs,
    export_file_name,
    export_rows,
)
from lead411.leads.forms import LeadSearchForm
from lead411.leads.models import ExportJob, SavedSearch
from lead411.leads.search.index import DATA_VERSION_KEY, search_index_sync, search_index_synced_now
from lead411.leads.search.query import LeadQuery
from lead411.leads.selectors import (
    ExportLead,
    lead_export_ids,
    lead_export_rows,
    saved_search_allowance,
)

_SCALES = ((Decimal(1_000_000_000), "B"), (Decimal(1_000_000), "M"), (Decimal(1_000), "K"))
_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹"}


def format_amount(amount: Decimal | None, currency: str = "USD") -> str:
    """Return a short money label: ``$5M``, ``€1.2B``, ``CAD 750K``; ``""`` when unknown.

    ``amount`` is in units of ``currency`` (ISO 4217).
    """
    if amount is None:
        return ""
    prefix = _SYMBOLS.get(currency, f"{currency} " if currency else "$")
    for scale, suffix in _SCALES:
        if abs(amount) >= scale:
            value = (amount / scale).quantize(Decimal("0.1")).normalize()
            return f"{prefix}{value:f}{suffix}"
    return f"{prefix}{amount.quantize(Decimal(1)):f}"


def build_search_document(*, company_name: str, categories: Iterable[str], summary: str) -> str:
    """Return ``TriggerEvent.search_document``: company name, categories and summary, one per line.

    Nothing reads the column since search runs on the tantivy index (see the model's
    comment); the importers still fill it until a migration drops it.
    """
    return "\n".join([company_name, " ".join(categories), summary])


def leads_changed(*, index_now: bool = True) -> None:
    """Record that companies, events or categories changed, and update the search index.

    Replaces the leads data version in the shared cache, which every process compares
    before a search (``lead411.leads.search.index.search_index_fresh``): the next search
    anywhere brings its index in step first. With ``index_now`` the index is also brought
    in step when the transaction commits (``search_index_sync``: the rows whose
    ``updated_at`` passed the index's high-water mark, and deletions). Importers call it
    once at the end (bulk writes send no signals); ``lead411.leads.receivers`` calls it
    with ``index_now=False`` on each saved or deleted row, since a sync per row would
    scan the events once per row of an import.
    """
    cache.set(DATA_VERSION_KEY, uuid.uuid4().hex, None)
    if index_now:
        transaction.on_commit(_search_index_catch_up)


def _search_index_catch_up() -> None:
    search_index_sync()
    search_index_synced_now()


# --- Saved searches (clause L3) ---


class SavedSearchLimitReached(ValidationError):
    """The member already keeps as many saved searches as their plan allows (issue 17).

    ``limit`` is the plan's ``saved_searches``, ``used`` how many the member keeps (more
    than ``limit`` after staff move them to a smaller plan), ``plan`` its label ("Solo").
    """

    def __init__(self, *, limit: int, used: int, plan: str) -> None:
        super().__init__(
            f"Your {plan} plan allows {limit} saved searches and you have {used}: "
            "delete one first, or ask us to change your plan.",
            code="plan_limit",
        )
        self.limit = limit
        self.used = used
        self.plan = plan


def saved_search_create(
    *,
    member: Any,
    name: str,
    criteria: Mapping[str, Sequence[str]],
    include_in_newsletter: bool = True,
    pace: str = SavedSearch.Pace.DAILY,
    weekday: int = SavedSearch.Weekday.MONDAY,
) -> SavedSearch:
    """Save a search for ``member`` and return it.

    ``pace`` (``SavedSearch.Pace``) and ``weekday`` (0 Monday .. 6 Sunday, for a weekly
    pace) say when its new leads are mailed (issue 15).

    ``criteria`` comes from ``forms.criteria_from_params``. Raises ``ValidationError``
    when the name is empty or already used by this member, and ``SavedSearchLimitReached``
    when the member already has the ``saved_searches`` of their plan
    (``lead411.accounts.plans.PLAN_TERMS``, the figures the pricing page prints).
    """
    with transaction.atomic():
        # Two saves at once must not both pass the count: they queue on the member's row,
        # which also gives the plan as it is now.
        locked = get_user_model().objects.select_for_update().get(pk=member.pk)
        allowance = saved_search_allowance(member=locked)
        if allowance.reached:
            raise SavedSearchLimitReached(
                limit=allowance.limit, used=allowance.used, plan=allowance.plan
            )
        now = clock.now()
        search = SavedSearch(
            member=member,
            name=name.strip(),
            criteria={k: list(v) for k, v in criteria.items()},
            include_in_newsletter=include_in_newsletter,
            pace=pace,
            weekday=weekday,
            created_at=now,
            updated_at=now,
        )
        search.full_clean()
        search.save()
    return search


def saved_search_update(
    *,
    search: SavedSearch,
    name: str | None = None,
    criteria: Mapping[str, Sequence[str]] | None = None,
    include_in_newsletter: bool | None = None,
    pace: str | None = None,
    weekday: int | None = None,
) -> SavedSearch:
    """Rename, re-criteria, switch or re-pace a saved search; arguments left None are kept.

    Raises ``ValidationError`` for an empty or duplicate name.
    """
    if name is not None:
        search.name = name.strip()
    if criteria is not None:
        search.criteria = {k: list(v) for k, v in criteria.items()}
    if include_in_newsletter is not None:
        search.include_in_newsletter = include_in_newsletter
    if pace is not None:
        search.pace = pace
    if weekday is not None:
        search.weekday = weekday
    search.updated_at = clock.now()
    search.full_clean()
    search.save()
    return search


def saved_search_delete(*, search: SavedSearch) -> None:
    """Delete a saved search; its leads stop appearing in the next newsletter."""
    search.delete()


# --- Export jobs (issue 16, clause L2) ---


def export_job_path(*, job: ExportJob) -> Path:
    """Return where the file of ``job`` is written: ``settings.LEADS_EXPORT_DIR / file_name``."""
    return Path(settings.LEADS_EXPORT_DIR) / (job.file_name or f"{job.public_id}.csv")


def export_job_create(
    *,
    member: Any,
    params: Mapping[str, Sequence[str]],
    query: LeadQuery,
    described: str,
    preset: Preset,
    with_bom: bool,
    total: int,
) -> ExportJob:
    """Queue an export of the search ``query`` for ``member`` and return the job.

    ``params`` are the search page's parameters that gave ``query`` (the worker reads
    them again with the same form); ``total`` the number of leads it matches now. One
    audit event records the export (P8); the task is queued when the transaction
    commits. Raises ``TooManyExportJobs`` when the member already has
    ``LEADS_EXPORT_JOBS_PER_MEMBER_MAX`` jobs queued or running, and ``ExportTooLarge``
    past ``LEADS_EXPORT_JOB_MAX_ROWS`` leads (the member narrows the search).
    """
    limit = settings.LEADS_EXPORT_JOB_MAX_ROWS
    if total > limit:
        raise ExportTooLarge(
            f"This search has {total:,} leads; an export holds at most {limit:,}. "
            "Narrow the search with a filter and export again."
        )
    active = (ExportJob.Status.QUEUED, ExportJob.Status.RUNNING)
    most = settings.LEADS_EXPORT_JOBS_PER_MEMBER_MAX
    now = clock.now()
    with transaction.atomic():
        # Lock the member's row so two clicks at once cannot both pass the count.
        get_user_model().objects.select_for_update().filter(pk=member.pk).first()
        if ExportJob.objects.filter(member=member, status__in=active).count() >= most:
            raise TooManyExportJobs(
                f"You have {most} exports in preparation; wait for one to finish."
            )
        public_id = uuid.uuid4()
        job = ExportJob(
            public_id=public_id,
            member=member,
            criteria={name: list(values) for name, values in params.items()},
            described=described[:300],
            preset=preset.key,
            with_bom=with_bom,
            total=total,
            download_name=export_file_name(preset=preset, words=query.q, on=clock.today()),
            file_name=f"{public_id}.csv",
            created_at=now,
        )
        job.full_clean()
        job.save()
        audit_record(
            actor=member,
            action=AuditEvent.Action.CREATE,
            verb="lead_export",
            obj=job,
            changes={
                "preset": {"before": None, "after": preset.key},
                "total": {"before": None, "after": total},
            },
        )
        transaction.on_commit(
            lambda: async_task("lead411.leads.tasks.export_job_run", job.pk, group=EXPORT_GROUP)
        )
    return job


EXPORT_GROUP = "lead export"
# Progress is saved every this many leads: often enough for a bar, rarely enough to cost nothing.
EXPORT_PROGRESS_EVERY = 2000


def export_job_run(*, job_id: int) -> ExportJob | None:
    """Write the file of export job ``job_id``; return the job, or None when it is gone.

    Runs in the task queue. The search runs again from the job's parameters; the file is
    written beside its final name and renamed when complete, so a worker killed half way
    (the queue then runs the task again) never leaves a partial file behind a link.
    ``processed`` is saved every ``EXPORT_PROGRESS_EVERY`` leads. A job already done,
    failed or expired is left alone. A search that no longer parses fails the job with
    a reason the member reads.
    """
    job = ExportJob.objects.filter(pk=job_id).first()
    if job is None or job.status not in (ExportJob.Status.QUEUED, ExportJob.Status.RUNNING):
        return job
    params = QueryDict(mutable=True)
    for name, values in job.criteria.items():
        params.setlist(name, [str(value) for value in values])
    form = LeadSearchForm(params)
    preset = PRESETS.get(job.preset)
    if preset is None or not form.is_valid():
        return _export_job_finish(
            job, status=ExportJob.Status.FAILED, error="The search could not be read again."
        )
    ids = lead_export_ids(query=form.to_query(), limit=settings.LEADS_EXPORT_JOB_MAX_ROWS)
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJob.Status.RUNNING, total=len(ids), processed=0
    )
    path = export_job_path(job=job)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")

    def progress(processed: int) -> None:
        ExportJob.objects.filter(pk=job.pk).update(processed=processed)

    leads = _counted(
        lead_export_rows(ids=ids, with_contacts=preset.needs_contacts), progress=progress
    )
    lead_url_prefix = site_root() + reverse("leads:search")
    with partial.open("w", encoding="utf-8", newline="") as out:
        if job.with_bom:
            out.write(BOM)
        writer = csv.writer(out)
        rows = export_rows(preset=preset, leads=leads, lead_url_prefix=lead_url_prefix)
        written = -1  # the header is not a data row
        for row in rows:
            writer.writerow(row)
            written += 1
    partial.replace(path)
    job.total = len(ids)
    job.processed = len(ids)
    job.rows_written = written
    return _export_job_finish(job, status=ExportJob.Status.DONE)


def _counted(
    leads: Iterator[ExportLead], *, progress: Callable[[int], None]
) -> Iterator[ExportLead]:
    for count, lead in enumerate(leads, start=1):
        yield lead
        if count % EXPORT_PROGRESS_EVERY == 0:
            progress(count)


def _export_job_finish(job: ExportJob, *, status: str, error: str = "") -> ExportJob:
    now = clock.now()
    job.status = status
    job.error = error
    job.finished_at = now
    if status == ExportJob.Status.DONE:
        job.expires_at = now + dt.timedelta(hours=settings.LEADS_EXPORT_LINK_HOURS)
    job.save(
        update_fields=[
            "status",
            "error",
            "finished_at",
            "expires_at",
            "total",
            "processed",
            "rows_written",
        ]
    )
    return job


def export_jobs_expire(*, now: dt.datetime | None = None) -> int:
    """Delete the files of export jobs whose link expired, and mark them expired.

    Also fails the jobs still queued or running ``LEADS_EXPORT_JOB_STALE_HOURS`` after
    they were asked for, deletes the files in ``LEADS_EXPORT_DIR`` that no job names any
    more (a job deleted with its member's account), and the jobs created more than
    ``LEADS_EXPORT_JOB_KEEP_DAYS`` ago that are no longer queued or running. ``now``
    defaults to ``clock.now()``. Returns the number of jobs expired. Run by the job
    schedule (``lead411.site.schedules``).
    """
    now = now or clock.now()
    expired = list(ExportJob.objects.filter(status=ExportJob.Status.DONE, expires_at__lte=now))
    for job in expired:
        export_job_path(job=job).unlink(missing_ok=True)
    ExportJob.objects.filter(pk__in=[job.pk for job in expired]).update(
        status=ExportJob.Status.EXPIRED
    )
    # A job the queue gave up on (every attempt killed or failed) would block the member's
    # limit forever; past LEADS_EXPORT_JOB_STALE_HOURS it is failed with a word.
    ExportJob.objects.filter(
        status__in=(ExportJob.Status.QUEUED, ExportJob.Status.RUNNING),
        created_at__lt=now - dt.timedelta(hours=settings.LEADS_EXPORT_JOB_STALE_HOURS),
    ).update(
        status=ExportJob.Status.FAILED,
        error="The export did not finish in time; please export again.",
        finished_at=now,
    )
    ExportJob.objects.filter(
        created_at__lt=now - dt.timedelta(days=settings.LEADS_EXPORT_JOB_KEEP_DAYS)
    ).exclude(status__in=(ExportJob.Status.QUEUED, ExportJob.Status.RUNNING)).delete()
    folder = Path(settings.LEADS_EXPORT_DIR)
    if folder.is_dir():
        # Files listed before the names are read: a file found here already had its job.
        files = list(folder.glob("*.csv"))
        named = set(ExportJob.objects.values_list("file_name", flat=True))
        for path in files:
            if path.name not in named:
                path.unlink(missing_ok=True)
    return len(expired)
