"""The policy notice banner's context (clause P15)."""

from typing import Any

from django.http import HttpRequest

from lead411.policy.selectors import policy_notice_for


def policy_notice(request: HttpRequest) -> dict[str, Any]:
    """Return ``policy_notice``: the version a logged-in member has yet to acknowledge, or None.

    ``policy/notice_banner.html``, included by base.html, shows it with an
    "I have read it" button. Pages rendered without a request get nothing.
    """
    user = getattr(request, "user", None)
    if user is None:
        return {"policy_notice": None}
    return {"policy_notice": policy_notice_for(user=user)}
