"""Which kind of page a request showed, from its resolved URL name (clause P4)."""

from .models import MemberDailyActivity

PageType = MemberDailyActivity.PageType

# URL namespaces that are not member pages: they are never counted here. The API counts
# its own requests, per token use, as ``PageType.API`` (lead411.api).
IGNORED_NAMESPACES = frozenset({"admin", "djdt", "api"})
IGNORED_URL_NAMES = frozenset({"healthz"})


def page_type_for(*, namespace: str, url_name: str) -> str:
    """Return the ``PageType`` value for a resolved ``namespace`` and ``url_name``.

    Rules, first match wins: lead search, lead detail, anything named like an export,
    saved searches, the newsletter and mail apps or anything named like preferences or
    subscriptions, account pages (the accounts and privacy apps, allauth's ``account_*``
    names and this app's own pages); everything else is ``other``.
    """
    spaces = set(namespace.split(":")) if namespace else set()
    if "leads" in spaces and url_name == "search":
        return PageType.SEARCH
    if "leads" in spaces and url_name == "detail":
        return PageType.LEAD_DETAIL
    if "export" in url_name:
        return PageType.EXPORT
    if "saved" in url_name or "saved_searches" in spaces:
        return PageType.SAVED_SEARCHES
    if spaces & {"newsletter", "mail"} or "preference" in url_name or "subscription" in url_name:
        return PageType.NEWSLETTER
    if spaces & {"accounts", "privacy", "activity"} or url_name.startswith("account_"):
        return PageType.ACCOUNT
    return PageType.OTHER


def counted(*, namespace: str, url_name: str) -> bool:
    """Return False for the admin, the health check and other non-member pages.

    A URL named ``…-progress`` is a page's own script asking how a job is getting on
    (an export's progress bar), not a page the member opened, so it is not counted.
    """
    spaces = set(namespace.split(":")) if namespace else set()
    return (
        not (spaces & IGNORED_NAMESPACES)
        and url_name not in IGNORED_URL_NAMES
        and not url_name.endswith("-progress")
    )
