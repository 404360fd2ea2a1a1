"""Membership plans and what each allows: the one place the pricing page and the limits read.

Staff assign a member's plan in the admin (``User.plan``); every new member starts on
``DEFAULT_PLAN``. ``PLAN_TERMS`` holds each plan's price label and allowances; the pricing
page (``pages/about.html``) prints them and ``lead411.leads.services.saved_search_create``
enforces ``saved_searches`` (issue 17: the page promised limits nothing enforced).
"""

from dataclasses import dataclass

from django.db import models


class Plan(models.TextChoices):
    """A member's plan, as sold on the pricing page."""

    SOLO = "solo", "Solo"
    TEAM = "team", "Team"
    ENTERPRISE = "enterprise", "Enterprise"


# Every new member starts on this plan (the model's default; the pricing page says so).
DEFAULT_PLAN = Plan.SOLO


@dataclass(frozen=True)
class PlanTerms:
    """What a plan costs and allows.

    ``saved_searches`` is per member (one seat); ``seats`` is ``None`` for no limit (a
    contract term staff honour when they assign the plan; the site does not group seats).
    ``price`` and ``price_note`` are the pricing page's labels, e.g. ``"$49"``, ``"/ month"``.
    The pricing page prints every figure from here.
    """

    plan: Plan
    price: str
    price_note: str
    saved_searches: int
    seats: int | None


# Enterprise's figure is also the bound on one member's newsletter work: each saved search
# is matched against every import and the daily digest.
PLAN_TERMS: dict[Plan, PlanTerms] = {
    Plan.SOLO: PlanTerms(Plan.SOLO, "$49", "/ month", saved_searches=3, seats=1),
    Plan.TEAM: PlanTerms(Plan.TEAM, "$149", "/ month", saved_searches=25, seats=5),
    Plan.ENTERPRISE: PlanTerms(Plan.ENTERPRISE, "Let's talk", "", saved_searches=50, seats=None),
}


def plan_terms(*, plan: str) -> PlanTerms:
    """Return the terms of ``plan`` (a ``Plan`` value); raises ``ValueError`` for an unknown one."""
    return PLAN_TERMS[Plan(plan)]
