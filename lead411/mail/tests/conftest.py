"""The mail tests share the newsletter tests' helpers: members and new leads."""

from lead411.newsletter.tests.conftest import make_member, new_event

__all__ = ["make_member", "new_event"]
