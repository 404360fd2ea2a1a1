"""User-agent classification, checked against the uap-core test suite (clause P2)."""

from pathlib import Path

import pytest
import yaml
from django.conf import settings

from lead411.weblog.classify import classify_user_agent

from .conftest import CHROME, GOOGLEBOT, IPHONE

UAP_DIR = Path(settings.LEAD411_DATA_DIR) / "uap_core_tests"


def _cases(name: str) -> list[dict]:
    path = UAP_DIR / name
    if not path.exists():
        pytest.skip(f"uap-core tests not found at {path} (shared data folder absent)")
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader is 10x faster
    return yaml.load(path.read_text(), Loader=loader)["test_cases"]  # noqa: S506 - a safe loader


@pytest.mark.clause("P2")
def test_uap_core_browser_families_pass_at_least_99_percent():
    cases = _cases("test_ua.yaml")
    passed = sum(
        classify_user_agent(c["user_agent_string"]).browser_family == c["family"] for c in cases
    )
    assert len(cases) > 1000
    assert passed / len(cases) >= 0.99, f"{passed}/{len(cases)}"


@pytest.mark.clause("P2")
def test_uap_core_os_families_pass_at_least_99_percent():
    cases = _cases("test_os.yaml")
    passed = sum(
        classify_user_agent(c["user_agent_string"]).os_family == c["family"] for c in cases
    )
    assert len(cases) > 400
    assert passed / len(cases) >= 0.99, f"{passed}/{len(cases)}"


def test_uap_core_device_families_pass_at_least_99_percent_of_a_sample():
    # Every 10th of 16,129 cases: the full file takes over a minute to classify.
    cases = _cases("test_device.yaml")[::10]
    passed = sum(
        classify_user_agent(c["user_agent_string"]).device_family == c["family"] for c in cases
    )
    assert passed / len(cases) >= 0.99, f"{passed}/{len(cases)}"


@pytest.mark.clause("P2")
def test_computer_type_of_common_agents():
    chrome = classify_user_agent(CHROME)
    assert (chrome.browser_family, chrome.browser_version) == ("Chrome", "120.0")
    assert (chrome.os_family, chrome.os_version, chrome.device_class) == (
        "Windows",
        "10",
        "desktop",
    )
    iphone = classify_user_agent(IPHONE)
    assert (iphone.browser_family, iphone.os_family, iphone.device_class) == (
        "Mobile Safari",
        "iOS",
        "mobile",
    )
    ipad = classify_user_agent(IPHONE.replace("iPhone; CPU iPhone OS", "iPad; CPU OS"))
    assert ipad.device_class == "tablet"


@pytest.mark.clause("P2")
def test_crawlers_are_bots_from_either_source():
    googlebot = classify_user_agent(GOOGLEBOT)
    assert googlebot.is_bot
    assert googlebot.device_class == "bot"
    # ua-parser does not call this a Spider; crawlerdetect does.
    assert classify_user_agent("python-requests/2.31.0").is_bot
    assert not classify_user_agent(CHROME).is_bot
