"""The disclosure register: every aggregate release to a third party (clauses P6, P14)."""

import unicodedata

from django.conf import settings
from django.db import models


def recipient_key(name: str) -> str:
    """Return the identity of a recipient's name: one entity per key (clause P14, issue 17).

    Unicode compatibility form (NFKC), case folded, every run of characters other than
    letters and digits (spaces, punctuation, symbols) made one space, trimmed:
    ``"ACME  Analytics, Inc."`` and ``"acme analytics inc"`` → ``"acme analytics inc"``.
    A name of no letter or digit gives ``""``.
    """
    folded = unicodedata.normalize("NFKC", name).casefold()
    kept = "".join(c if unicodedata.category(c)[0] in "LN" else " " for c in folded)
    return " ".join(kept.split())


class Recipient(models.Model):
    """A third party that receives aggregate reports, with its privacy-loss budget.

    ``epsilon_budget`` caps the sum of the epsilons of all its differentially private
    releases (the ledger is its ``disclosures``). ``key`` is ``recipient_key(name)``,
    set on every save and unique in the database, so names differing only in case,
    spaces or punctuation are one recipient with one budget.
    """

    name = models.CharField(max_length=200, unique=True)
    key = models.CharField(
        max_length=200,
        unique=True,
        editable=False,
        help_text="The name case folded, punctuation and spaces made one space (recipient_key).",
    )
    epsilon_budget = models.FloatField(help_text="Total epsilon this recipient may receive.")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["name"]
        constraints = [
            # A row written without save() (bulk_create, raw SQL) cannot share an empty key.
            models.CheckConstraint(
                condition=~models.Q(key=""), name="reports_recipient_key_not_empty"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: object, **kwargs: object) -> None:
        """Store ``key`` from ``name`` before writing."""
        self.key = recipient_key(self.name)
        super().save(*args, **kwargs)  # type: ignore[arg-type]  # passthrough of Django's arguments


class Disclosure(models.Model):
    """One release: to whom, why, when, what report, k, epsilon, and who released it.

    Written only by ``services.report_release`` together with its archived files, in one
    transaction; entries are never edited.
    """

    recipient = models.ForeignKey(Recipient, on_delete=models.PROTECT, related_name="disclosures")
    purpose = models.TextField()
    released_at = models.DateTimeField(db_index=True)
    released_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    released_by_label = models.CharField(
        max_length=254, help_text="The releasing staff member's email, kept after deletion."
    )
    report_kind = models.CharField(max_length=40, db_index=True)
    period_start = models.DateField()
    period_end = models.DateField()
    definition = models.JSONField(help_text="Kind, period, title, rows and columns released.")
    min_cell = models.PositiveSmallIntegerField("k (minimum released count)")
    epsilon = models.FloatField(null=True, blank=True, help_text="Empty: no noise added.")
    # The released counts, keyed "row\x1fcolumn": later releases of the same report are
    # compared with them to stop differencing (see suppression.suppress).
    released_cells = models.JSONField(default=dict)

    class Meta:
        ordering = ["-released_at", "-id"]
        permissions = [
            ("release_report", "Can build aggregate reports and release them (clause P14)"),
        ]

    def __str__(self) -> str:
        return f"{self.report_kind} to {self.recipient} on {self.released_at:%Y-%m-%d}"

    def save(self, *args: object, **kwargs: object) -> None:
        """Insert only: a register entry is never rewritten."""
        if self.pk is not None:
            raise ValueError("Disclosure register entries are append-only.")
        super().save(*args, **kwargs)  # type: ignore[arg-type]  # passthrough of Django's arguments


class DisclosureFile(models.Model):
    """A released file, archived under ``VAR_DIR/disclosures`` with its SHA-256."""

    class Format(models.TextChoices):
        CSV = "csv", "CSV table"
        SVG = "svg", "SVG chart"

    disclosure = models.ForeignKey(Disclosure, on_delete=models.PROTECT, related_name="files")
    file_format = models.CharField(max_length=8, choices=Format.choices)
    name = models.CharField(max_length=200, unique=True, help_text="Archive file name.")
    sha256 = models.CharField("SHA-256", max_length=64)
    size_bytes = models.PositiveIntegerField()

    class Meta:
        ordering = ["disclosure", "file_format"]

    def __str__(self) -> str:
        return self.name
