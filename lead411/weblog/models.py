"""Tables of the anonymous web log (clause P2).

The anonymity wall: no table here has a foreign key, and no column holds a full IP
address, a member id, a session id or a cookie value. ``network_prefix`` keeps only the
/24 (IPv4) or /48 (IPv6) network; ``visitor_hash`` is an HMAC under a salt that lives
for one UTC day and is then destroyed.
"""

from django.db import models


class DeviceClass(models.TextChoices):
    DESKTOP = "desktop", "Desktop"
    MOBILE = "mobile", "Mobile"
    TABLET = "tablet", "Tablet"
    BOT = "bot", "Bot"


class PageView(models.Model):
    """One recorded or imported request; kept raw for ``WEBLOG_RAW_RETENTION_DAYS``."""

    class Source(models.TextChoices):
        LIVE = "live", "Recorded by the site"
        IMPORT = "import", "Imported from a server log"

    time = models.DateTimeField(help_text="When the request arrived, UTC.")
    # Indexed as the first column of weblog_pv_day_visitor: a second index on it only
    # slowed inserts.
    day = models.DateField(help_text="UTC date of ``time``; reports group on it.")
    method = models.CharField(max_length=10)
    path = models.CharField(max_length=500, help_text="Path; query values dropped but allowlisted.")
    status = models.PositiveSmallIntegerField()
    response_bytes = models.PositiveBigIntegerField(default=0)
    duration_ms = models.PositiveIntegerField(null=True, blank=True, help_text="None on imports.")
    referrer = models.CharField(max_length=500, blank=True, help_text="Scheme, host, path only.")
    referrer_domain = models.CharField(max_length=255, blank=True)
    search_engine = models.CharField(max_length=40, blank=True)
    browser_family = models.CharField(max_length=80, blank=True)
    browser_version = models.CharField(max_length=20, blank=True)
    os_family = models.CharField(max_length=80, blank=True)
    os_version = models.CharField(max_length=20, blank=True)
    device_class = models.CharField(max_length=10, choices=DeviceClass.choices)
    is_bot = models.BooleanField(default=False)
    is_page = models.BooleanField(
        default=True, help_text="False for static assets (css, js, images)."
    )
    network_prefix = models.CharField(
        max_length=49, help_text="IPv4 /24 or IPv6 /48, never the full address."
    )
    visitor_hash = models.CharField(
        max_length=16, help_text="HMAC(day salt, IP + UA), 16 hex chars."
    )
    source = models.CharField(max_length=6, choices=Source.choices, default=Source.LIVE)

    class Meta:
        indexes = [
            models.Index(fields=["day", "visitor_hash", "time"], name="weblog_pv_day_visitor")
        ]

    def __str__(self) -> str:
        return f"{self.time:%Y-%m-%d %H:%M:%S} {self.method} {self.path} {self.status}"


class DaySalt(models.Model):
    """The random salt of one UTC day, shared by the live recorder and every import.

    Created on the first request or imported line of the day; destroyed with every other
    past day's salt when the next day's salt is created or the roll-up runs, unless an
    import is unfinished (``services.day_salts_expire``).
    """

    day = models.DateField(unique=True)
    salt = models.BinaryField(max_length=32)

    def __str__(self) -> str:
        return f"salt for {self.day}"


class DailyCount(models.Model):
    """One rolled-up figure: a day, a dimension (``totals``, ``page``, ``browser``...), a key."""

    day = models.DateField()
    dimension = models.CharField(max_length=20)
    key = models.CharField(max_length=500)
    count = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["day", "dimension", "key"], name="weblog_dailycount_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.dimension}={self.key}: {self.count}"


class ImportedSource(models.Model):
    """How far a log file has been imported, so importing it again adds nothing.

    ``fingerprint`` is SHA-256 of the file's first line (decompressed): a file that grew
    keeps its fingerprint and only its new lines are read.
    """

    fingerprint = models.CharField(max_length=64, unique=True)
    lines_done = models.PositiveBigIntegerField(
        default=0, help_text="Lines whose recent-day requests are stored as PageView rows."
    )
    lines_aggregated = models.PositiveBigIntegerField(
        default=0,
        help_text=(
            "Lines whose old-day requests (older than the raw retention) are in "
            "DailyCount; written only when an import reaches the end of the file."
        ),
    )
    raw_cutoff = models.DateField(
        null=True,
        blank=True,
        help_text=(
            "While an import of the file is unfinished: the first UTC day its lines are "
            "stored raw (older days go to DailyCount), fixed when the import began, so a "
            "run resumed on a later day routes lines as the killed one did. Emptied at the "
            "import's end; while it is set no day salt expires (day_salts_expire)."
        ),
    )
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.fingerprint[:12]}… {self.lines_done} lines"
