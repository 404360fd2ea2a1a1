"""Settings for `make run` on a developer's or operator's own machine."""

from .base import *  # noqa: F403
from .base import env

SECRET_KEY = env.str(
    "SECRET_KEY", default="local-only-insecure-key-change-me-in-production-0123456789"
)
DEBUG = env.bool("DEBUG", default=False)
