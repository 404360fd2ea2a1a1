"""The leads domain: companies, their trigger events, the people behind them (clause L1),
and the searches members save (clause L3)."""

from django.conf import settings
from django.db import models
from django.db.models.functions import Lower

from lead411.leads.edgar_places import incorporation_code, place_name


class Provenance(models.Model):
    """Where a row came from: source name, the source's own record key, and when we imported it.

    ``(source, source_key)`` is unique, which is what makes every import idempotent (L5).
    """

    source = models.CharField(max_length=40)
    source_key = models.CharField(max_length=300)
    source_url = models.URLField(max_length=500, blank=True)
    imported_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        abstract = True


class Category(models.Model):
    """An industry category ("Software", "Biotechnology"), shared by companies."""

    name = models.CharField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "categories"

    def __str__(self) -> str:
        return self.name


class Company(Provenance):
    """A company that trigger events are about."""

    class Status(models.TextChoices):
        OPERATING = "operating", "Operating"
        ACQUIRED = "acquired", "Acquired"
        CLOSED = "closed", "Closed"
        IPO = "ipo", "Public (IPO)"
        UNKNOWN = "unknown", "Unknown"

    name = models.CharField(max_length=300)
    # Lower-cased name without legal suffixes or punctuation; used to match a
    # filing's company to a known one (see leads.matching).
    normalized_name = models.CharField(max_length=300, db_index=True)
    homepage = models.URLField(max_length=500, blank=True)
    categories = models.ManyToManyField(Category, related_name="companies", blank=True)
    country_code = models.CharField(
        "country", max_length=3, blank=True, help_text="ISO 3166-1 alpha-3"
    )
    region = models.CharField(
        "state/region", max_length=100, blank=True, help_text="State code in the USA and Canada"
    )
    city = models.CharField(max_length=100, blank=True)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.UNKNOWN)
    founded_on = models.DateField(null=True, blank=True)
    cik = models.CharField("SEC CIK", max_length=10, null=True, blank=True, unique=True)
    # Set by the importer when a filing shows the company is a fund, trust or similar vehicle
    # (Form D industry group or entity type; see lead411.leads.sources.edgar.vehicles): what marks it,
    # "Pooled investment fund (Hedge Fund)". Empty for operating companies. Searches,
    # the home page and newsletters leave such companies' leads out unless asked.
    # The database default lets bulk importers that write their own INSERTs leave it out.
    investment_vehicle = models.CharField(max_length=100, blank=True, default="", db_default="")
    # Profile (issue 14), filled from EDGAR filings and the SEC's company records
    # (lead411.leads.sources.edgar.profiles); empty when unknown. The website is ``homepage``.
    # Database defaults let bulk importers that write their own INSERTs leave them out.
    ticker = models.CharField(max_length=20, blank=True, default="", db_default="")
    exchange = models.CharField(max_length=40, blank=True, default="", db_default="")
    sic_code = models.CharField("SIC code", max_length=4, blank=True, default="", db_default="")
    # The SIC code's title: the SEC's own ("Motor Vehicles & Passenger Car Bodies"), else
    # the OSHA SIC manual's.
    industry = models.CharField(max_length=200, blank=True, default="", db_default="")
    # The EDGAR state or country code ("DE", "E9") whichever way a source stated it
    # (lead411.leads.edgar_places.incorporation_code); a value that names no EDGAR place
    # is kept as stated. Pages show ``state_of_incorporation_name``.
    state_of_incorporation = models.CharField(max_length=60, blank=True, default="", db_default="")
    street_address = models.CharField(max_length=300, blank=True, default="", db_default="")
    postal_code = models.CharField(max_length=20, blank=True, default="", db_default="")

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "companies"
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_key"], name="company_source_key_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["country_code", "region", "city"], name="company_place_idx"),
            models.Index(Lower("city"), name="company_city_lower_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        """A place of incorporation typed by staff ("Delaware") is kept as its EDGAR code."""
        self.state_of_incorporation = incorporation_code(self.state_of_incorporation)

    @property
    def state_of_incorporation_name(self) -> str:
        """The place of incorporation as people read it ("DE" -> "Delaware"); ``""`` if unknown."""
        return place_name(self.state_of_incorporation)


class TriggerEvent(Provenance):
    """Something that happened to a company and makes it worth a sales call: a lead."""

    class Kind(models.TextChoices):
        FUNDING_ROUND = "funding_round", "Funding round"
        ACQUISITION = "acquisition", "Acquisition"
        EXECUTIVE_HIRE = "executive_hire", "Executive hire"
        EXECUTIVE_DEPARTURE = "executive_departure", "Executive departure"
        IPO = "ipo", "IPO"
        OFFICE_MOVE = "office_move", "Office move"
        OTHER = "other", "Other"

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    announced_on = models.DateField(null=True, blank=True)
    round_type = models.CharField(
        max_length=40,
        blank=True,
        help_text="seed, angel, venture, debt_financing, Form D offering...",
    )
    series = models.CharField(max_length=10, blank=True, help_text="A, B, C... for venture rounds")
    amount = models.DecimalField(max_digits=18, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, blank=True, help_text="ISO 4217")
    amount_usd = models.DecimalField(
        "amount (USD)", max_digits=18, decimal_places=2, null=True, blank=True
    )
    counterparty = models.CharField(max_length=300, blank=True, help_text="Acquirer or investors")
    summary = models.CharField(max_length=300)
    # Company name, categories and summary in one column, still written by the importers
    # but read by nothing since search moved to the tantivy index (lead411.leads.search)
    # and the newsletter matches through it; the FTS5 table and GIN index of migration
    # 0002 went with migration 0008, and this column is the next thing to drop.
    search_document = models.TextField(blank=True)
    # How the importer tied this event to its company ("matched by CIK").
    company_match = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["-announced_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_key"], name="event_source_key_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["-announced_on", "-id"], name="event_date_idx"),
            models.Index(fields=["kind", "-announced_on"], name="event_kind_date_idx"),
            models.Index(fields=["round_type"], name="event_round_type_idx"),
            models.Index(fields=["amount_usd"], name="event_amount_idx"),
            models.Index(fields=["imported_at"], name="event_imported_idx"),
        ]

    def __str__(self) -> str:
        return self.summary


class Contact(models.Model):
    """A person named in a source as working for a company (an executive, a director)."""

    company = models.ForeignKey(Company, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(max_length=200)
    role = models.CharField(max_length=200, blank=True)
    source = models.CharField(max_length=40)
    source_key = models.CharField(max_length=300, help_text="The record that named the person")
    imported_at = models.DateTimeField()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["company", "name", "role"], name="contact_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.role})" if self.role else self.name


class SavedSearch(models.Model):
    """A named lead search; when ``include_in_newsletter`` is on it is an alert (clause L3).

    ``criteria`` holds the search page's GET parameters as ``{name: [values]}``, only the
    names the lead search form knows, without ``page`` (see ``forms.criteria_from_params``).
    ``pace`` says when its new leads are mailed (issue 15): in the daily newsletter, in the
    newsletter of one ``weekday`` a week (0 Monday .. 6 Sunday), or as instant alerts a
    few minutes after an import; all on the daily stream, with its consent and unsubscribe.
    """

    class Pace(models.TextChoices):
        DAILY = "daily", "Daily, in my newsletter"
        WEEKLY = "weekly", "Weekly, in the newsletter of one day"
        INSTANT = "instant", "Instant alerts, minutes after an import"

    class Weekday(models.IntegerChoices):
        MONDAY = 0, "Monday"
        TUESDAY = 1, "Tuesday"
        WEDNESDAY = 2, "Wednesday"
        THURSDAY = 3, "Thursday"
        FRIDAY = 4, "Friday"
        SATURDAY = 5, "Saturday"
        SUNDAY = 6, "Sunday"

    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saved_searches"
    )
    name = models.CharField(max_length=100)
    criteria = models.JSONField(default=dict, blank=True)
    include_in_newsletter = models.BooleanField("include in my daily newsletter", default=True)
    pace = models.CharField(max_length=10, choices=Pace.choices, default=Pace.DAILY)
    weekday = models.PositiveSmallIntegerField(
        choices=Weekday.choices, default=Weekday.MONDAY, help_text="The day of a weekly digest."
    )
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        db_table = "newsletter_savedsearch"  # named when it lived in the newsletter app
        ordering = ["name", "id"]
        verbose_name_plural = "saved searches"
        constraints = [
            models.UniqueConstraint(fields=["member", "name"], name="saved_search_name_unique"),
        ]
        indexes = [
            models.Index(fields=["member", "include_in_newsletter"], name="saved_search_alert_idx")
        ]

    def __str__(self) -> str:
        return self.name


class ExportJob(models.Model):
    """A CSV export too large to download at once, written by the task queue (issue 16, L2).

    ``criteria`` holds the search page's parameters as a saved search does; ``preset`` is a
    key of ``lead411.leads.exports.PRESETS``; ``with_bom`` starts the file with a UTF-8
    byte-order mark. ``total`` is the number of matching leads when the job was asked
    for (the worker sets the number it really found); ``processed`` counts the leads
    written so far, for the progress bar. The file lives in ``settings.LEADS_EXPORT_DIR``
    under ``file_name``; its link works until ``expires_at``, then the scheduled clean-up
    deletes the file and marks the job expired. Deleted with the member (CASCADE).
    """

    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Ready"
        FAILED = "failed", "Failed"
        EXPIRED = "expired", "Expired"

    public_id = models.UUIDField(unique=True, editable=False)
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="export_jobs"
    )
    criteria = models.JSONField(default=dict, blank=True)
    described = models.CharField(max_length=300, blank=True, help_text="The search, in words")
    preset = models.CharField(max_length=40)
    with_bom = models.BooleanField(default=False)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    total = models.PositiveIntegerField(default=0)
    processed = models.PositiveIntegerField(default=0)
    rows_written = models.PositiveIntegerField(default=0, help_text="Data rows in the file")
    download_name = models.CharField(max_length=150)
    file_name = models.CharField(max_length=100, blank=True)
    error = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField()
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["member", "status"], name="export_job_member_status_idx"),
            models.Index(fields=["expires_at"], name="export_job_expires_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.download_name} ({self.get_status_display()})"
