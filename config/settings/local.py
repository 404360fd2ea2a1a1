"""Settings for `make run` on a developer's or operator's own machine."""

from .base import *  # noqa: F403
from .base import env

SECRET_KEY = env.str(
    "SECRET_KEY", default="local-only-insecure-key-change-me-in-production-0123456789"
)
DEBUG = env.bool("DEBUG", default=False)
# A fresh site keeps getting new leads after its first import: the scheduler (`make run`
# starts it) polls SEC EDGAR every this many minutes; 0 turns polling off. Each poll
# identifies itself with OPERATOR_COMPANY_NAME and OPERATOR_CONTACT_EMAIL (SEC fair access).
EDGAR_POLL_MINUTES = env.int("EDGAR_POLL_MINUTES", default=10)
# Webhook receivers on loopback (plain http to 127.0.0.1) are refused unless this is on:
# the browser journeys' server turns it on for their receiver; production never reads it.
WEBHOOKS_ALLOW_LOOPBACK = env.bool("WEBHOOKS_ALLOW_LOOPBACK", default=False)
