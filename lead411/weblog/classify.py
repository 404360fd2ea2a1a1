"""User-agent classification: browser, OS and device class ("computer type", clause P2).

ua-parser (the uap-core rules) names the browser, OS and device; a device family of
``Spider`` or a match in crawlerdetect marks a bot. Results are cached because real
traffic repeats a few hundred user agents.
"""

from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

import ua_parser
from crawlerdetect import CrawlerDetect

from lead411.core.redact import text_escape_unprintable

from .models import DeviceClass

_CRAWLERS = CrawlerDetect()
_MOBILE_OS = frozenset(
    {"iOS", "Android", "Windows Phone", "BlackBerry OS", "Symbian OS", "KaiOS", "Firefox OS"}
)
_MOBILE_DEVICES = frozenset({"iPhone", "iPod", "Generic Smartphone", "Generic Feature Phone"})


@dataclass(frozen=True, slots=True)
class UserAgentInfo:
    """What the log keeps of a user agent; the string itself is not stored."""

    browser_family: str
    browser_version: str
    os_family: str
    os_version: str
    device_family: str
    device_class: str
    is_bot: bool


def _version(major: str | None, minor: str | None) -> str:
    if not major:
        return ""
    return f"{major}.{minor}" if minor else major


def _device_class(*, user_agent: str, os_family: str, device_family: str, brand: str) -> str:
    if device_family == "iPad" or "Tablet" in device_family or "Tablet" in brand:
        return DeviceClass.TABLET
    if "Kindle" in device_family:
        return DeviceClass.TABLET
    if os_family == "Android" and "Mobile" not in user_agent:
        # Android tablets drop the "Mobile" token (Google's UA guidance for Chrome).
        return DeviceClass.TABLET
    if os_family in _MOBILE_OS or device_family in _MOBILE_DEVICES or "Mobi" in user_agent:
        return DeviceClass.MOBILE
    return DeviceClass.DESKTOP


def is_crawler(user_agent: str) -> bool:
    """Return True when crawlerdetect knows ``user_agent`` as a bot, crawler or spider."""
    return bool(user_agent) and _CRAWLERS.isCrawler(user_agent)


@lru_cache(maxsize=8192)
def classify_user_agent(user_agent: str) -> UserAgentInfo:
    """Return the browser, OS and device class of ``user_agent``.

    Families are uap-core names ("Chrome", "Windows", "Other" when unknown); versions
    are "major.minor" or "". ``is_bot`` is ua-parser's Spider device or a crawlerdetect
    match; a bot's ``device_class`` is ``bot``. Never raises.
    """
    result = ua_parser.parse(user_agent)
    browser, os, device = result.user_agent, result.os, result.device
    device_family = device.family if device else "Other"
    brand = (device.brand or "") if device else ""
    is_bot = device_family == "Spider" or is_crawler(user_agent)
    os_family = os.family if os else "Other"
    device_class = (
        DeviceClass.BOT
        if is_bot
        else _device_class(
            user_agent=user_agent, os_family=os_family, device_family=device_family, brand=brand
        )
    )
    return UserAgentInfo(
        browser_family=browser.family if browser else "Other",
        browser_version=_version(browser.major, browser.minor) if browser else "",
        os_family=os_family,
        os_version=_version(os.major, os.minor) if os else "",
        device_family=device_family,
        device_class=str(device_class),
        is_bot=is_bot,
    )


class AgentColumns(NamedTuple):
    """The stored columns of a user agent, in the order of ``services.IMPORT_COLUMNS``."""

    browser_family: str
    browser_version: str
    os_family: str
    os_version: str
    device_class: str
    is_bot: bool


def agent_columns(user_agent: str) -> AgentColumns:
    """Return the stored columns of ``user_agent``, cut to their column sizes.

    The string is classified from its first 1,000 characters, control characters
    escaped (``text_escape_unprintable``), so a family taken from the string holds none
    raw. Never raises.
    """
    agent = classify_user_agent(text_escape_unprintable(user_agent[:1000]))
    return AgentColumns(
        agent.browser_family[:80],
        agent.browser_version[:20],
        agent.os_family[:80],
        agent.os_version[:20],
        agent.device_class,
        agent.is_bot,
    )
