"""State of the SEC EDGAR lead source: filings seen, the feed position, matches to review."""

from django.conf import settings
from django.db import models

from lead411.leads.models import Company, TriggerEvent


class EdgarFiling(models.Model):
    """One EDGAR filing that became (or amended) a lead, keyed by its accession number.

    It ties each accession to the trigger event it made or updated, so an amendment
    (D/A) finds its original and a second import of the same filing changes nothing.
    Filings that are not leads (Form 4, 424B2...) are counted, not stored.
    """

    accession = models.CharField(max_length=20, unique=True, help_text="0001234567-25-000001")
    form_type = models.CharField(max_length=20)
    cik = models.CharField("SEC CIK", max_length=10, db_index=True)
    company_name = models.CharField(max_length=300)
    filed_on = models.DateField(null=True, blank=True)
    source_url = models.URLField(max_length=500, blank=True)
    previous_accession = models.CharField(
        max_length=20, blank=True, help_text="For an amendment: the filing it amends, when stated"
    )
    event = models.ForeignKey(
        TriggerEvent, on_delete=models.SET_NULL, null=True, blank=True, related_name="edgar_filings"
    )
    # A Form D whose primary document was read (amount, address, related persons);
    # the poller fetches the document only for filings without one.
    document_loaded = models.BooleanField(default=False)
    # An 8-K or IPO filing whose document the poller could not read (the archive answered
    # 404, a timeout, a page that does not parse): its lead came from the feed entry, which
    # names nobody. The poller tries again from ``document_retry_at`` on, at most
    # ``EDGAR_DOCUMENT_MAX_ATTEMPTS`` times in all; ``document_error`` keeps the last reason
    # (emptied once the document is read). 0 attempts: never failed.
    document_attempts = models.PositiveSmallIntegerField(default=0)
    document_retry_at = models.DateTimeField(null=True, blank=True)
    document_error = models.CharField(max_length=500, blank=True)
    first_seen_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-filed_on", "-accession"]
        indexes = [
            # The poller's look-up of documents to read again: few rows, read every poll.
            models.Index(
                fields=["document_retry_at"],
                name="edgar_filing_retry_idx",
                condition=models.Q(document_loaded=False, document_attempts__gt=0),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.form_type} {self.accession} ({self.company_name})"

    @property
    def document_status(self) -> str:
        """The document's state for staff: "read", "not read", "retrying (attempt 2 of 5):
        <reason>" or "gave up after 5 attempts: <reason>"."""
        if self.document_loaded:
            return "read"
        if not self.document_attempts:
            return "not read"
        limit = settings.EDGAR_DOCUMENT_MAX_ATTEMPTS
        if self.document_attempts >= limit:
            return f"gave up after {self.document_attempts} attempts: {self.document_error}"
        return (
            f"retrying (attempt {self.document_attempts} of {limit} failed): {self.document_error}"
        )


class FeedCursor(models.Model):
    """How far a feed has been read: the newest entry imported, and the last attempt.

    The position moves only after a poll fetched and imported every page it needed;
    a network failure records ``last_error`` and leaves the position where it was, so
    the next poll reads the same filings again (imports are idempotent).
    """

    feed_url = models.URLField(max_length=500, unique=True)
    last_updated = models.DateTimeField(null=True, blank=True, help_text="Newest entry imported")
    last_accession = models.CharField(max_length=20, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    last_success_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=500, blank=True)
    # What the last successful poll added, for the staff page ("3 events created (...)").
    last_added = models.CharField(max_length=500, blank=True)

    def __str__(self) -> str:
        return self.feed_url


class MatchReview(models.Model):
    """A filing whose company could not be matched with certainty: for staff to decide.

    The importer created ``company`` (a new row) rather than merge into one of
    ``candidates``. Staff either merge it into a candidate (``match_review_merge``: its
    events, contacts and filings move, the duplicate row is deleted, ``company`` becomes
    empty and ``merged_into`` names the survivor) or keep it as a new company
    (``match_review_keep``). ``resolved`` is the status of reviews closed before those
    actions existed.
    """

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        MERGED = "merged", "Merged into a candidate"
        KEPT = "kept", "Kept as a new company"
        RESOLVED = "resolved", "Resolved"

    company = models.ForeignKey(
        Company, on_delete=models.SET_NULL, null=True, blank=True, related_name="edgar_reviews"
    )
    candidates = models.ManyToManyField(Company, related_name="edgar_candidate_reviews")
    accession = models.CharField(max_length=20)
    reason = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField()
    # What the new company was, kept when a merge deletes it: "Acme, Inc. (Boston, MA; CIK ...)".
    company_label = models.CharField(max_length=400, blank=True)
    merged_into = models.ForeignKey(
        Company, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["company", "accession"], name="edgar_review_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.company or self.company_label}: {self.reason}"
