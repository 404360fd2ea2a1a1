"""Settings for the test suite: a fast hasher, and the database from DATABASE_URL."""

from lead411.core.tests.strict_templates import strict_email_engine

from .base import *  # noqa: F403
from .base import env

SECRET_KEY = "test-only-key-not-secret-0123456789-abcdefghijklmnopqrstuvwxyz"  # noqa: S105
DEBUG = False
# Argon2 is kept first so tests exercise it; a cheap fallback only for fixtures.
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.MD5PasswordHasher",
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EMAIL_BACKEND = env.str(
    "TEST_EMAIL_BACKEND", default="django.core.mail.backends.locmem.EmailBackend"
)
# The web log is switched on by its own tests (lead411/weblog), so other apps' query
# counts do not include its writes.
WEBLOG_RECORDING_ENABLED = False
WEBLOG_FLUSH_INTERVAL_SECONDS = 0.0
# Member activity counting is switched on by its own tests (lead411/activity), so other
# apps' query counts do not include its write.
ACTIVITY_RECORDING_ENABLED = False
# A per-process cache: rate-limit counters must not leak between test runs.
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
# Email templates render strictly: a variable that does not resolve raises (issue 17).
TEMPLATES = [strict_email_engine(base=TEMPLATES[0]), *TEMPLATES]  # noqa: F405
# No test reaches SEC EDGAR: the scheduler never polls, and a poll or fetch that a test
# starts without pointing it at its local server goes to a closed loopback port.
EDGAR_POLL_MINUTES = 0
EDGAR_FEED_URL = "http://127.0.0.1:9/edgar-feed-is-off-in-tests?action=getcurrent&output=atom"
EDGAR_DAILY_INDEX_URL = "http://127.0.0.1:9/edgar-daily-index-is-off-in-tests"
