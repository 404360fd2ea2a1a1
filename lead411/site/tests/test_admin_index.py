"""The admin index links to the staff tools outside the admin (issue 17)."""

import pytest
from django.contrib.auth.models import Permission

TOOLS = {
    "/staff/weblog/": "Web log",
    "/newsletter/preview/": "Newsletter preview",
    "/staff/activity/": "Member activity",
    "/staff/reports/": "Reports",
    "/admin/edgar/matchreview/": "EDGAR review queue",
}


def _links(page: str) -> dict[str, str]:
    return {url: label for url, label in TOOLS.items() if f'<a href="{url}">{label}</a>' in page}


@pytest.mark.clause("P9")
@pytest.mark.django_db
def test_superuser_sees_every_staff_tool_and_each_opens(client, superuser):
    client.force_login(superuser)
    assert _links(client.get("/admin/").content.decode()) == TOOLS
    for url in TOOLS:
        assert client.get(url).status_code == 200, url


@pytest.mark.clause("P8")
@pytest.mark.django_db
def test_plain_staff_see_only_the_tools_they_may_open(client, staff):
    staff.user_permissions.add(Permission.objects.get(codename="view_matchreview"))
    client.force_login(staff)
    assert set(_links(client.get("/admin/").content.decode())) == {
        "/staff/weblog/",
        "/newsletter/preview/",
        "/admin/edgar/matchreview/",
    }
