"""The personal-data registry is the one source of what the site says it keeps (issue 12,
issue 17; clauses P4, P11, P15).

Each app declares what it keeps about a member (``core.privacy_registry``). These tests
hold the declarations to the models, and the three texts built from them (the data
download, "What we record about you", the policy) to the declarations.
"""

import json

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.humanize.templatetags.humanize import apnumber
from django.db import models

from lead411.accounts.tests.factories import UserFactory
from lead411.core.privacy_registry import (
    ActorReference,
    Holding,
    actor_references,
    cookies,
    holdings,
)
from lead411.leads.tests.factories import SavedSearchFactory
from lead411.policy.services import policy_text_render
from lead411.privacy.selectors import exported_holdings, member_data_export

pytestmark = pytest.mark.django_db


def undeclared(*, declared: list[Holding], actors: list[ActorReference]) -> list[str]:
    """Return what the models store about members that no declaration covers.

    Shape: ``["<model label>.<field>: <why>"]``. A link to the user model must be a
    holding's ``member_field`` or an ``ActorReference``; a holding's ``columns`` must be
    exactly the model's stored columns (its automatic id aside), so a column added to, or
    removed from, a model that holds member data fails until its declaration follows.
    """
    user_model = apps.get_model(settings.AUTH_USER_MODEL)
    by_model: dict[str, list[Holding]] = {}
    for holding in declared:
        by_model.setdefault(apps.get_model(holding.model)._meta.label, []).append(holding)
    actor_links = {(apps.get_model(a.model)._meta.label, a.field) for a in actors}
    problems = []
    for model in apps.get_models():
        label = model._meta.label
        member_fields = {h.member_field for h in by_model.get(label, [])}
        for f in model._meta.concrete_fields:
            linked = f.is_relation and f.related_model is user_model
            if linked and f.name not in member_fields and (label, f.name) not in actor_links:
                problems.append(f"{label}.{f.name}: links to the user model, undeclared")
        stored = {
            f.name
            for f in model._meta.concrete_fields
            if not (f.primary_key and isinstance(f, models.AutoField))
        }
        for holding in by_model.get(label, []):
            for name in sorted(stored - set(holding.columns)):
                problems.append(f"{label}.{name}: stored, not in holding {holding.key!r}")
            for name in sorted(set(holding.columns) - stored):
                problems.append(f"{label}.{name}: declared by {holding.key!r}, not stored")
    return problems


@pytest.mark.clause("P15")
def test_every_column_about_a_member_is_declared():
    assert undeclared(declared=holdings(), actors=actor_references()) == []


@pytest.mark.clause("P15")
def test_the_check_catches_an_undeclared_column_and_an_undeclared_link():
    """The check above can fail: drop one declared column and one staff link."""
    saved = next(h for h in holdings() if h.key == "saved_searches")
    trimmed = Holding(**{**saved.__dict__, "columns": saved.columns[:-1]})
    others = [h for h in holdings() if h.key != "saved_searches"]
    actors = [a for a in actor_references() if a.model != "reports.Disclosure"]

    problems = undeclared(declared=[*others, trimmed], actors=actors)

    assert sorted(problems) == [
        f"leads.SavedSearch.{saved.columns[-1]}: stored, not in holding 'saved_searches'",
        "reports.Disclosure.released_by: links to the user model, undeclared",
    ]


@pytest.mark.clause("P11")
def test_the_download_has_one_section_per_exported_holding_and_only_its_members_rows(client):
    """Two members with saved searches: each download holds its own and no one else's."""
    ann, bob = UserFactory.create(), UserFactory.create()
    SavedSearchFactory.create(member=ann, name="Ann's fintech rounds")
    SavedSearchFactory.create(member=bob, name="Bob's biotech hires")

    data = member_data_export(user=ann)
    client.force_login(bob)
    downloaded = json.loads(client.get("/members/account/my-data.json").content)

    assert list(data) == [h.key for h in exported_holdings()]
    assert list(downloaded) == list(data)
    assert [s["name"] for s in data["saved_searches"]] == ["Ann's fintech rounds"]
    assert [s["name"] for s in downloaded["saved_searches"]] == ["Bob's biotech hires"]
    assert bob.email not in json.dumps(data, default=str)
    assert ann.email not in json.dumps(downloaded, default=str)


@pytest.mark.clause("P4")
def test_what_we_record_lists_every_holding_and_cookie(client):
    client.force_login(UserFactory.create())
    page = client.get("/me/activity/").content.decode()

    for holding in holdings():
        assert f'id="holding-{holding.key}"' in page
        assert holding.retention in page
    for cookie in cookies():
        assert f"<code>{cookie.name}</code>" in page


@pytest.mark.clause("P15")
def test_the_policy_names_each_cookie_and_their_number_and_what_a_download_holds():
    text = policy_text_render()

    names = [c.name for c in cookies()]
    assert f"We set {apnumber(len(names))} cookies" in text
    for name in names:
        assert f"- `{name}`:" in text
    for holding in exported_holdings():
        assert f"- {holding.title}\n" in text
    for holding in holdings():
        assert f"- {holding.title}: {holding.on_erasure}" in text
