"""The registry of what the site stores about a member, and of the cookies it sets.

Each app declares, in its own ``personal_data.py`` (loaded by its ``AppConfig.ready``),
what it keeps about a member: a ``Holding`` per kind of record, with the columns it
stores, why, for how long, how the member's copy is read (download my data) and how it
is erased (delete my account). Apps whose rows only record which staff member did
something declare an ``ActorReference`` instead; the cookies the site sets are
declared as ``Cookie`` entries.

Three texts are generated from this one registry, so they cannot disagree (issue 17,
clauses P4 and P15): the "What we record about you" page, the data download, and the
policy's figures (cookies, what a download holds, what erasure removes). A test fails
when a model gains a column, or a link to the user model, that no declaration covers.

The registry is the kernel's: it names no app. ``privacy`` sits on top and walks it.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db.models import QuerySet

Redact = Callable[[str], str]


@dataclass(frozen=True)
class Member:
    """The member a holding is read or erased for.

    ``user`` is the account (the user model's instance); ``emails`` are every address of
    the account, lower-cased, for rows kept by address (messages sent logged out).
    """

    user: Any
    emails: frozenset[str]


@dataclass(frozen=True)
class Holding:
    """One kind of record an app keeps about a member.

    - ``key``: the section's name in the data download (``"saved_searches"``).
    - ``title``: what it is, for people ("Saved searches").
    - ``model``: the model label (``"leads.SavedSearch"``) or, for a row kept outside the
      site's own models, the table's owner label (``"sessions.Session"``).
    - ``columns``: every column the model stores, by field name; the registry test
      compares them with the model, so a new column must be declared here.
    - ``member_field``: the model's link to the user model, or ``""`` when rows are found
      by address or not linked at all.
    - ``purpose``, ``retention``, ``on_erasure``: plain sentences shown to members.
    - ``export``: returns the member's copy as JSON-ready data, or None to leave it out
      of the download (``purpose`` then says why).
    - ``rows``: the rows erasure removes that deleting the user does not reach by
      CASCADE (rows kept by address); ``erase`` does the erasure for those, with
      ``redact`` replacing the member's identifiers in kept text.
    """

    key: str
    title: str
    model: str
    columns: tuple[str, ...]
    purpose: str
    retention: str
    on_erasure: str
    export: Callable[[Member], Any] | None
    member_field: str = ""
    rows: Callable[[Member], Iterable[QuerySet[Any]]] | None = None
    erase: Callable[[Member, Redact], None] | None = None

    def column_names(self) -> list[str]:
        """Return the columns as people read them: the model fields' verbose names."""
        model = apps.get_model(self.model)
        return [str(model._meta.get_field(name).verbose_name) for name in self.columns]


@dataclass(frozen=True)
class ActorReference:
    """A link to the user model that records which staff member did something.

    ``model`` and ``field`` name the link; ``purpose`` says what it proves. Such rows are
    the staff member's work, not the subject's data: erasing a staff account keeps them
    and the audit log names the erased account by pseudonym.
    """

    model: str
    field: str
    purpose: str


@dataclass(frozen=True)
class Cookie:
    """A cookie the site sets: its name, why, and how long it lives (plain sentences)."""

    name: str
    purpose: str
    lifetime: str


@dataclass
class _Registry:
    holdings: dict[str, Holding] = field(default_factory=dict)
    actors: list[ActorReference] = field(default_factory=list)
    cookies: list[Callable[[], Cookie]] = field(default_factory=list)


_registry = _Registry()


class DuplicateDeclaration(ValueError):
    """Two declarations used the same download key or cookie name."""


def holding_register(holding: Holding) -> None:
    """Declare ``holding``; raise ``DuplicateDeclaration`` if its key is taken."""
    if holding.key in _registry.holdings:
        raise DuplicateDeclaration(f"personal-data key {holding.key!r} is declared twice")
    _registry.holdings[holding.key] = holding


def actor_reference_register(reference: ActorReference) -> None:
    """Declare a staff-actor link (see ``ActorReference``)."""
    _registry.actors.append(reference)


def cookie_register(describe: Callable[[], Cookie]) -> None:
    """Declare a cookie by a function that describes it.

    A function, not a value: cookie names and lifetimes are read from settings each
    time, so the texts follow the configuration the site runs with.
    """
    _registry.cookies.append(describe)


def holdings() -> list[Holding]:
    """Return every declared holding, in declaration order (``INSTALLED_APPS`` order)."""
    return list(_registry.holdings.values())


def actor_references() -> list[ActorReference]:
    """Return every declared staff-actor link."""
    return list(_registry.actors)


def cookies() -> list[Cookie]:
    """Return every declared cookie, sorted by name.

    Raises ``DuplicateDeclaration`` when two declarations name the same cookie.
    """
    described = [describe() for describe in _registry.cookies]
    names = [c.name for c in described]
    if len(set(names)) != len(names):
        raise DuplicateDeclaration(f"a cookie is declared twice: {sorted(names)}")
    return sorted(described, key=lambda c: c.name)
