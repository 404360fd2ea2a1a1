"""The accounts the seeded server starts with (tests/e2e/seed.py creates them)."""

from dataclasses import dataclass

PASSWORD = "correct horse battery staple e2e"


@dataclass(frozen=True)
class Persona:
    """A login on the seeded server."""

    email: str
    first_name: str
    is_staff: bool
    password: str = PASSWORD


MEMBER = Persona("mia.member@e2e.test", "Mia", is_staff=False)
# A second member, for the "cannot see another member's things" checks.
OTHER_MEMBER = Persona("otto.other@e2e.test", "Otto", is_staff=False)
STAFF = Persona("sam.staff@e2e.test", "Sam", is_staff=True)
PERSONAS = (MEMBER, OTHER_MEMBER, STAFF)
