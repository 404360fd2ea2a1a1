"""Settings shared by every environment, read from the process environment.

Each environment module (local, test, production) imports this one and overrides
only what differs. Every value a deployment sets comes from an environment
variable documented in README.md.
"""

from pathlib import Path

import environ

BASE_DIR = Path(__file__).resolve().parent.parent.parent

env = environ.Env()
VAR_DIR = BASE_DIR / "var"  # the SQLite database, collected static files, archives
VAR_DIR.mkdir(exist_ok=True)
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS: list[str] = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "csp",
    "allauth",
    "allauth.account",
    "django_q",
    "lead411.core",
    "lead411.accounts",
    "lead411.leads",
    "lead411.leads.sources.edgar",
    "lead411.pages",
    "lead411.mail",
    "lead411.newsletter",
    "lead411.policy",
    "lead411.contact",
    "lead411.weblog",
    "lead411.activity",
    "lead411.reports",
    "lead411.api",
    "lead411.privacy",
    "lead411.site",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # A down or locked database: 503 page instead of 500 (issue 8); before sessions, the first DB use.
    "lead411.core.middleware.DatabaseUnavailableMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Members' visit and page counters (clause P4); reads request.user, so after auth.
    "lead411.activity.middleware.MemberActivityMiddleware",
    # Anonymous web log of public pages (clause P2); needs request.user, so after auth.
    "lead411.weblog.middleware.PageViewRecorderMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    # Admin lists filtered by impossible values, or an id beyond range: 400, not 500 (issue 17).
    "lead411.core.middleware.AdminBadInputMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "lead411" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "lead411.core.context_processors.operator",
                # The privacy-policy notice banner for members (clause P15).
                "lead411.policy.context_processors.policy_notice",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'lead411.sqlite3'}"),
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    # Persistent connections: a new PostgreSQL connection per request cost more than the
    # page itself under load (bench/bench_load.py). Health checks reconnect after the
    # server restarts, so an outage still recovers without manual steps.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("DB_CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers run while the importer writes; a busy timeout (seconds)
    # turns a brief lock into a wait instead of an error.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
        }
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
# Argon2id first: new and re-hashed passwords use it (OWASP ASVS 5, V6).
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    # NIST SP 800-63B-4: at least 15 characters for a password used alone.
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 15},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    # A cap keeps a huge password from tying up the Argon2 hasher (clause P10).
    {
        "NAME": "lead411.accounts.validators.MaximumLengthValidator",
        "OPTIONS": {"max_length": 1024},
    },
]

LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "leads:search"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
# Sign-up is a membership application (clauses P3, P9): the adapter files it.
ACCOUNT_ADAPTER = "lead411.accounts.adapters.MembershipAccountAdapter"
# allauth names a user by str(), which is anonymous (P8); member-facing texts use the email.
ACCOUNT_USER_DISPLAY = "lead411.accounts.adapters.user_display"
ACCOUNT_SIGNUP_FORM_CLASS = "lead411.accounts.forms.ApplicationSignupForm"
ACCOUNT_SIGNUP_REDIRECT_URL = "accounts:application"
# Links, not codes; the link opens a page whose button POSTs, so mail scanners that
# follow links confirm nothing.
ACCOUNT_EMAIL_VERIFICATION = "mandatory"
ACCOUNT_CONFIRM_EMAIL_ON_GET = False
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Lead411] "
ACCOUNT_UNIQUE_EMAIL = True
# One address per member; a new address replaces the old only once verified (P11).
ACCOUNT_CHANGE_EMAIL = True
ACCOUNT_REAUTHENTICATION_REQUIRED = True
# Notices after password and email changes; they carry the stolen-password link (P13).
ACCOUNT_EMAIL_NOTIFICATIONS = True
ACCOUNT_PREVENT_ENUMERATION = True
ACCOUNT_LOGOUT_ON_GET = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
# None shows the "Remember me" box: unticked, the cookie dies with the browser;
# ticked, it lasts SESSION_COOKIE_AGE (clause P4).
ACCOUNT_SESSION_REMEMBER = None
ACCOUNT_RATE_LIMITS = {
    # Per IP and per (case-insensitive) email; the admin login goes through this form.
    "login_failed": "10/m/ip,5/5m/key",
    "login": "30/m/ip",
    "signup": "20/m/ip",
    "reset_password": "20/m/ip,5/m/key",
    "reset_password_from_key": "20/m/ip",
    "change_password": "5/m/user",
    "manage_email": "10/m/user",
    "reauthenticate": "10/m/user",
    "confirm_email": "1/3m/key",
}
# X-Forwarded-For is trusted only behind this many proxies (0: use REMOTE_ADDR).
ALLAUTH_TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
# Single-use (the token hashes the password) and valid at most one hour (P12).
PASSWORD_RESET_TIMEOUT = 60 * 60
SESSION_COOKIE_AGE = 60 * 60 * 24 * 30
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

LANGUAGE_CODE = "en-us"
TIME_ZONE = env.str("TIME_ZONE", default="America/Los_Angeles")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="smtp://127.0.0.1:1025")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Lead411 <newsletter@example.com>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Security headers in every environment; production adds HSTS and secure cookies.
# Scripts only from our own origin (no inline script); inline style attributes are
# allowed for server-rendered SVG charts.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "object-src": ["'none'"],
    }
}
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"

# The operator's details: shown on the contact page and in every email footer.
# Placeholders until a deployment sets them (clause P1).
OPERATOR = {
    "company_name": env.str("OPERATOR_COMPANY_NAME", default="Example Leads Ltd. (placeholder)"),
    "postal_address": env.str(
        "OPERATOR_POSTAL_ADDRESS", default="100 Example Street, Suite 1, Springfield, ST 00000"
    ),
    "telephone": env.str("OPERATOR_TELEPHONE", default="+1 555 0100"),
    "fax": env.str("OPERATOR_FAX", default="+1 555 0101"),
    "contact_email": env.str("OPERATOR_CONTACT_EMAIL", default="admin@example.com"),
}
# Membership mail (applications, verification, resets, account changes) comes from the
# operator's contact address, not the newsletter's; replies reach staff.
MEMBERSHIP_FROM_EMAIL = env.str(
    "MEMBERSHIP_FROM_EMAIL", default=f"Lead411 <{OPERATOR['contact_email']}>"
)

# Where the real data sets live (see README, "Data sources").
LEAD411_DATA_DIR = env.path("LEAD411_DATA_DIR", default=BASE_DIR.parent / "shared" / "data")
# The requirement ids that tests name (`make clauses`).
LEAD411_SPEC_FILE = env.path(
    "LEAD411_SPEC_FILE", default=BASE_DIR.parent / "shared" / "spec" / "policy-clauses.md"
)

# Search limits: a hard cap keeps one request from reading the whole table.
LEADS_PAGE_SIZE = 25
LEADS_MAX_PAGE = 400
# CSV exports (issue 16): up to LEADS_EXPORT_DIRECT_MAX_ROWS leads download at once; a larger
# result becomes a background job whose file waits in LEADS_EXPORT_DIR (never served as a
# static file) for LEADS_EXPORT_LINK_HOURS, then is deleted by the scheduled clean-up.
LEADS_EXPORT_DIRECT_MAX_ROWS = env.int("LEADS_EXPORT_DIRECT_MAX_ROWS", default=5000)
LEADS_EXPORT_JOB_MAX_ROWS = env.int("LEADS_EXPORT_JOB_MAX_ROWS", default=1_000_000)
LEADS_EXPORT_JOBS_PER_MEMBER_MAX = env.int("LEADS_EXPORT_JOBS_PER_MEMBER_MAX", default=3)
LEADS_EXPORT_LINK_HOURS = env.int("LEADS_EXPORT_LINK_HOURS", default=24)
# Hours after which an export still queued or running is failed (the queue's retries are over).
LEADS_EXPORT_JOB_STALE_HOURS = env.int("LEADS_EXPORT_JOB_STALE_HOURS", default=3)
# Days a finished export job stays listed (its file is gone after LEADS_EXPORT_LINK_HOURS).
LEADS_EXPORT_JOB_KEEP_DAYS = env.int("LEADS_EXPORT_JOB_KEEP_DAYS", default=30)
LEADS_EXPORT_DIR = env.path("LEADS_EXPORT_DIR", default=VAR_DIR / "exports")
# Minutes between clean-ups of expired export files (0 = off).
LEADS_EXPORT_CLEANUP_MINUTES = env.int("LEADS_EXPORT_CLEANUP_MINUTES", default=60)
LEADS_QUERY_MAX_CHARS = 200

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    # Secrets that travel in URLs (unsubscribe, reset, verification links) never reach
    # the log: lead411.core.redact.
    "filters": {"redact_secrets": {"()": "lead411.core.redact.SecretRedactingFilter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "filters": ["redact_secrets"]},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# Background work and the daily schedule (django-q2). The database is the broker by
# default, so `make run` needs no extra server; set REDIS_URL to scale out.
REDIS_URL = env.str("REDIS_URL", default="")
Q_CLUSTER: dict[str, object] = {
    "name": "lead411",
    "workers": env.int("TASK_WORKERS", default=2),
    "timeout": 60 * 30,  # seconds; a newsletter run or a feed poll may be long
    "retry": 60 * 31,  # seconds; must exceed timeout
    "max_attempts": 3,
    "catch_up": False,  # a missed daily run is not replayed several times after downtime
    "orm": "default",
}
if REDIS_URL:
    Q_CLUSTER.pop("orm")
    Q_CLUSTER["redis"] = REDIS_URL

# SEC EDGAR lead source (lead411.leads.sources.edgar). The "latest filings" Atom feed, polled every
# EDGAR_POLL_MINUTES when the scheduler runs (0 = off). Off here and in the test settings;
# config/settings/local.py (what `make run` uses) turns it on so a fresh site keeps getting leads.
# Every request declares "OPERATOR company_name OPERATOR contact_email" as its User-Agent.
EDGAR_FEED_URL = env.str(
    "EDGAR_FEED_URL",
    default="https://www.sec.gov/cgi-bin/browse-edgar?action=getcurrent&type=&company=&dateb="
    "&owner=include&start=0&count=100&output=atom",
)
EDGAR_POLL_MINUTES = env.int("EDGAR_POLL_MINUTES", default=0)
# EDGAR's daily form indexes (<base>/<year>/QTR<n>/form.YYYYMMDD.idx): the business day before
# is read once a day, at EDGAR_DAILY_INDEX_TIME, whenever polling is on (a catch-up of the feed).
EDGAR_DAILY_INDEX_URL = env.str(
    "EDGAR_DAILY_INDEX_URL", default="https://www.sec.gov/Archives/edgar/daily-index"
)
EDGAR_DAILY_INDEX_TIME = env.str("EDGAR_DAILY_INDEX_TIME", default="07:30")
# Feed pages read per poll at most (100 entries each); the stored position stops it earlier.
EDGAR_POLL_MAX_PAGES = env.int("EDGAR_POLL_MAX_PAGES", default=10)
# SEC fair access: at most 10 requests per second (sec.gov/os/accessing-edgar-data).
EDGAR_MAX_REQUESTS_PER_SECOND = 10
EDGAR_HTTP_TIMEOUT_SECONDS = env.int("EDGAR_HTTP_TIMEOUT_SECONDS", default=20)
# A 429 (too many requests) or 503 answer is retried at most EDGAR_HTTP_MAX_RETRIES times,
# after the server's Retry-After or else EDGAR_HTTP_BACKOFF_SECONDS doubled at each try, each
# pause capped at EDGAR_HTTP_MAX_BACKOFF_SECONDS (SEC fair access asks clients to back off).
EDGAR_HTTP_MAX_RETRIES = env.int("EDGAR_HTTP_MAX_RETRIES", default=3)
EDGAR_HTTP_BACKOFF_SECONDS = env.float("EDGAR_HTTP_BACKOFF_SECONDS", default=1.0)
EDGAR_HTTP_MAX_BACKOFF_SECONDS = env.float("EDGAR_HTTP_MAX_BACKOFF_SECONDS", default=60.0)
# An 8-K or IPO document a poll could not read (404 while the archive catches up, a timeout,
# a page that does not parse) is tried again by later polls: at most
# EDGAR_DOCUMENT_RETRIES_PER_POLL of them a poll, the first retry EDGAR_DOCUMENT_RETRY_MINUTES
# after the failure and each later one twice as long after the one before, and at most
# EDGAR_DOCUMENT_MAX_ATTEMPTS reads in all; then the lead keeps the feed entry's facts.
EDGAR_DOCUMENT_RETRIES_PER_POLL = env.int("EDGAR_DOCUMENT_RETRIES_PER_POLL", default=10)
EDGAR_DOCUMENT_RETRY_MINUTES = env.float("EDGAR_DOCUMENT_RETRY_MINUTES", default=15.0)
EDGAR_DOCUMENT_MAX_ATTEMPTS = env.int("EDGAR_DOCUMENT_MAX_ATTEMPTS", default=5)

# Anonymous web log (lead411.weblog, clause P2).
WEBLOG_RECORDING_ENABLED = env.bool("WEBLOG_RECORDING_ENABLED", default=True)
# Raw request rows older than this many days are rolled up into daily counts and deleted.
WEBLOG_RAW_RETENTION_DAYS = env.int("WEBLOG_RAW_RETENTION_DAYS", default=30)
# Query parameters kept in stored paths; every other query value is dropped.
WEBLOG_QUERY_ALLOWLIST = env.list(
    "WEBLOG_QUERY_ALLOWLIST", default=["utm_source", "utm_medium", "utm_campaign", "page"]
)
# Member, staff and asset paths are not public pages and are never logged.
WEBLOG_EXCLUDED_PATH_PREFIXES = ["/admin/", "/staff/", "/static/", "/healthz", "/leads/"]
# Buffered writes: one bulk insert per this many rows or seconds, whichever comes first.
WEBLOG_BUFFER_ROWS = env.int("WEBLOG_BUFFER_ROWS", default=200)
WEBLOG_FLUSH_INTERVAL_SECONDS = env.float("WEBLOG_FLUSH_INTERVAL_SECONDS", default=5.0)

# Member activity (lead411.activity, clause P4).
ACTIVITY_RECORDING_ENABLED = env.bool("ACTIVITY_RECORDING_ENABLED", default=True)
# Daily counters older than this many days are deleted by the daily purge job.
ACTIVITY_RETENTION_DAYS = env.int("ACTIVITY_RETENTION_DAYS", default=365)
# A request after this many idle minutes starts a new visit (the web-analytics convention).
ACTIVITY_VISIT_GAP_MINUTES = 30

# Aggregate reports for third parties (lead411.reports, clauses P6, P14).
# No released count is below this; the system check refuses values under 5.
REPORT_MIN_CELL = env.int("REPORT_MIN_CELL", default=10)
# Differential-privacy budget per recipient: the sum of epsilons of all its releases.
REPORT_EPSILON_BUDGET_PER_RECIPIENT = env.float("REPORT_EPSILON_BUDGET_PER_RECIPIENT", default=1.0)

# The Daily eMail Newsletter and the outbox (lead411.newsletter; clauses L3, L4, P5, P7).
# The daily build and send runs at this wall-clock time ("HH:MM") in TIME_ZONE.
NEWSLETTER_SEND_TIME = env.str("NEWSLETTER_SEND_TIME", default="06:00")
# The scheduler drains the outbox (retries, replies, updates) every this many minutes; 0: off.
NEWSLETTER_OUTBOX_POLL_MINUTES = env.int("NEWSLETTER_OUTBOX_POLL_MINUTES", default=5)
# SMTP connections the outbox sends over at once, driven in step by one thread (issue 15,
# docs/decisions/0011-outbox-connections-in-step.md).
NEWSLETTER_OUTBOX_CONNECTIONS = max(1, env.int("NEWSLETTER_OUTBOX_CONNECTIONS", default=4))
# A newsletter covers at most this many days of new events (a member never mailed before).
NEWSLETTER_MAX_WINDOW_DAYS = env.int("NEWSLETTER_MAX_WINDOW_DAYS", default=7)
# Leads shown per saved search in one newsletter; the rest is one link to the search.
NEWSLETTER_MAX_LEADS_PER_SEARCH = env.int("NEWSLETTER_MAX_LEADS_PER_SEARCH", default=25)
# A member's first newsletter covers the events imported in this many hours (issue 15).
NEWSLETTER_FIRST_WINDOW_HOURS = env.int("NEWSLETTER_FIRST_WINDOW_HOURS", default=24)
# An event announced more than this many days before its import is a catch-up (a first
# import, a backfill): counted in one line of the newsletter, never listed as new.
NEWSLETTER_CATCH_UP_AGE_DAYS = env.int("NEWSLETTER_CATCH_UP_AGE_DAYS", default=30)
# Instant alerts: the scheduler looks for new matches every this many minutes (0: off),
# and a member gets at most this many alert emails a day (the rest wait for the next day).
NEWSLETTER_ALERT_POLL_MINUTES = env.int("NEWSLETTER_ALERT_POLL_MINUTES", default=5)
NEWSLETTER_ALERTS_MAX_PER_DAY = env.int("NEWSLETTER_ALERTS_MAX_PER_DAY", default=6)
# Unsubscribe links work this many days (RFC 8058 asks for a long life; at least 30).
NEWSLETTER_UNSUBSCRIBE_MAX_AGE_DAYS = max(
    30, env.int("NEWSLETTER_UNSUBSCRIBE_MAX_AGE_DAYS", default=90)
)
# Temporary SMTP failures (4xx): retry after base * 2**(attempt-1) seconds, capped, N tries.
NEWSLETTER_RETRY_BASE_SECONDS = env.int("NEWSLETTER_RETRY_BASE_SECONDS", default=300)
NEWSLETTER_RETRY_MAX_SECONDS = env.int("NEWSLETTER_RETRY_MAX_SECONDS", default=6 * 3600)
NEWSLETTER_MAX_ATTEMPTS = env.int("NEWSLETTER_MAX_ATTEMPTS", default=8)
# Permanent failures (5xx) other than 550/551/553 suppress an address at this count in 30 days.
NEWSLETTER_SUPPRESS_AFTER_FAILURES = env.int("NEWSLETTER_SUPPRESS_AFTER_FAILURES", default=3)
# Message-IDs are <hash@domain>; the domain defaults to that of DEFAULT_FROM_EMAIL.
NEWSLETTER_MESSAGE_ID_DOMAIN = env.str(
    "NEWSLETTER_MESSAGE_ID_DOMAIN",
    default=DEFAULT_FROM_EMAIL.rsplit("@", 1)[-1].strip(">").strip() or "localhost",
)
# SMTP envelope sender (MAIL FROM, where bounces go); empty: the address of DEFAULT_FROM_EMAIL.
NEWSLETTER_ENVELOPE_FROM = env.str("NEWSLETTER_ENVELOPE_FROM", default="")
# Optional DKIM signing (dkimpy): a PEM private key file, its selector and signing domain.
NEWSLETTER_DKIM_PRIVATE_KEY_PATH = env.str("NEWSLETTER_DKIM_PRIVATE_KEY_PATH", default="")
NEWSLETTER_DKIM_SELECTOR = env.str("NEWSLETTER_DKIM_SELECTOR", default="lead411")
NEWSLETTER_DKIM_DOMAIN = env.str("NEWSLETTER_DKIM_DOMAIN", default=NEWSLETTER_MESSAGE_ID_DOMAIN)
# SMTP transport security comes from EMAIL_URL: smtp+tls://user:pass@host:587 for
# STARTTLS (a server without STARTTLS is then an error, never a plaintext send),
# smtp+ssl://...:465 for implicit TLS. Seconds before an unresponsive server is an error.
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT_SECONDS", default=30)
# Seconds a page waits for the SMTP server when it sends an account or contact email
# itself; a slower or hanging server gets the email queued for the task worker instead.
EMAIL_REQUEST_TIMEOUT_SECONDS = env.float("EMAIL_REQUEST_TIMEOUT_SECONDS", default=3.0)

# One cache shared by every gunicorn worker, so rate limits (login failures) count
# across processes: files under var/ by default, Redis when REDIS_URL is set.
CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            # CACHE_DIR: a site of its own (the browser tests' servers) keeps its own cache.
            "LOCATION": env.str("CACHE_DIR", default=str(VAR_DIR / "cache")),
        }
    )
}

# Contact-form messages one client IP may send per hour before the form refuses (abuse limit).
POLICY_CONTACT_MAX_PER_HOUR = env.int("POLICY_CONTACT_MAX_PER_HOUR", default=5)

# The lead search index (tantivy), derived from the database and rebuilt with
# `manage.py search_index_rebuild`. Empty: var/search-index/<vendor>-<database name>.
SEARCH_INDEX_DIR = env.str("SEARCH_INDEX_DIR", default="")
# Seconds between a process's catch-up syncs of the index with rows other processes changed.
SEARCH_INDEX_SYNC_SECONDS = env.int("SEARCH_INDEX_SYNC_SECONDS", default=60)

# --- REST API (lead411.api, issue 16) ---
# Requests per token per window; past it the API answers 429 with Retry-After.
API_RATE_LIMIT_REQUESTS = env.int("API_RATE_LIMIT_REQUESTS", default=120)
API_RATE_LIMIT_WINDOW_SECONDS = env.int("API_RATE_LIMIT_WINDOW_SECONDS", default=60)
# The most items one response lists (saved searches, new matches); lead search pages
# hold LEADS_PAGE_SIZE leads, the search page's own size.
API_PAGE_SIZE_MAX = 100
# New events one "new matches" request reads at most; the cursor carries on from there.
API_MATCH_SCAN_MAX_EVENTS = 5000
API_TOKENS_PER_MEMBER_MAX = 20

# --- Webhooks (lead411.api.webhooks, issue 16) ---
# Minutes between the scheduler's runs that find new matches and send due deliveries.
WEBHOOKS_POLL_MINUTES = env.int("WEBHOOKS_POLL_MINUTES", default=1)
WEBHOOKS_PER_MEMBER_MAX = 10
WEBHOOKS_TESTS_PER_HOUR = 10
# Attempts of one delivery; the n-th retry waits BASE * 2**(n-1) seconds, at most MAX.
WEBHOOKS_MAX_ATTEMPTS = env.int("WEBHOOKS_MAX_ATTEMPTS", default=8)
WEBHOOKS_RETRY_BASE_SECONDS = env.int("WEBHOOKS_RETRY_BASE_SECONDS", default=60)
WEBHOOKS_RETRY_MAX_SECONDS = env.int("WEBHOOKS_RETRY_MAX_SECONDS", default=6 * 3600)
# An endpoint is disabled (and its member emailed) after this many failed attempts in a row.
WEBHOOKS_DISABLE_AFTER_FAILURES = env.int("WEBHOOKS_DISABLE_AFTER_FAILURES", default=20)
WEBHOOKS_CONNECT_TIMEOUT_SECONDS = 5.0
WEBHOOKS_READ_TIMEOUT_SECONDS = 10.0
# Bytes of a receiver's answer read at most (the rest is dropped unread).
WEBHOOKS_RESPONSE_MAX_BYTES = 64 * 1024
# A claimed delivery not settled after this long belongs to a stopped sender; it is resent.
WEBHOOKS_CLAIM_LEASE_SECONDS = 120
# Loopback receivers (127.0.0.0/8, ::1, plain http) are refused unless this is on: tests only.
WEBHOOKS_ALLOW_LOOPBACK = False
