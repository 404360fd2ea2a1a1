"""Background jobs of the leads app, run by django-q2."""

from lead411.leads.services import export_job_run as _export_job_run
from lead411.leads.services import export_jobs_expire as _export_jobs_expire


def export_job_run(job_id: int) -> None:
    """Write the file of one export job (queued by ``export_job_create``)."""
    _export_job_run(job_id=job_id)


def export_jobs_expire() -> None:
    """Delete expired export files (scheduled every ``LEADS_EXPORT_CLEANUP_MINUTES``)."""
    _export_jobs_expire()
