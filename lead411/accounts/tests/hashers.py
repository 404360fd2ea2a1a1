"""A cheap Argon2id hasher for tests: same algorithm and format, far less work."""

from django.contrib.auth.hashers import Argon2PasswordHasher


class FastArgon2PasswordHasher(Argon2PasswordHasher):
    """Argon2id with 1 pass over 1 MiB, so a test login takes milliseconds, not seconds."""

    time_cost = 1
    memory_cost = 1024
    parallelism = 1
