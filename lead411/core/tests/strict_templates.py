"""Test settings' strict email templates: a variable that does not resolve is an error.

Email templates get their own template engine in the test settings, listed first, whose
loader finds only templates under an ``email/`` directory; every other template (the
admin's, allauth's pages) falls through to the ordinary engine, which relies on missing
variables rendering as "". A blank site name or address in a sent email so fails the
test that sends it.
"""

from collections.abc import Iterator
from typing import Any

from django.template import Origin, TemplateSyntaxError
from django.template.loaders.filesystem import Loader as FilesystemLoader
from django.template.utils import get_app_template_dirs


class UnresolvedVariableError(TemplateSyntaxError):
    """A template variable (or an attribute of one) did not resolve."""


class RaisingString(str):
    """A ``string_if_invalid`` that raises UnresolvedVariableError naming the variable.

    Django formats ``string_if_invalid % name`` when the value contains "%s", which
    this one claims to; ``{% if %}`` tests never reach it (they ignore failures).
    """

    def __contains__(self, item: object) -> bool:
        """Claim "%s", so Django formats the value with the variable's name."""
        return item == "%s"

    def __mod__(self, name: Any) -> str:
        """Raise instead of rendering: the variable ``name`` did not resolve."""
        raise UnresolvedVariableError(f"Unresolved template variable in an email: {name}")


def is_email_template(template_name: str) -> bool:
    """Return True for ``<app>/email/<name>``, the email templates' convention."""
    return "/email/" in f"/{template_name}"


class EmailTemplateLoader(FilesystemLoader):
    """Load only email templates, from the project's DIRS and every app's ``templates``."""

    def get_dirs(self) -> list[Any]:
        """The engine's DIRS, then the apps' template directories (APP_DIRS order)."""
        return [*self.engine.dirs, *get_app_template_dirs("templates")]

    def get_template_sources(self, template_name: str) -> Iterator[Origin]:
        """Yield sources for email templates only; other names belong to the next engine."""
        if is_email_template(template_name):
            yield from super().get_template_sources(template_name)


def strict_email_engine(*, base: dict[str, Any]) -> dict[str, Any]:
    """Return a TEMPLATES entry for email templates, built from the ordinary ``base`` one."""
    options = {k: v for k, v in base.get("OPTIONS", {}).items() if k != "loaders"}
    return {
        "NAME": "strict_email",
        "BACKEND": base["BACKEND"],
        "DIRS": base.get("DIRS", []),
        "APP_DIRS": False,
        "OPTIONS": {
            **options,
            "loaders": [f"{__name__}.EmailTemplateLoader"],
            "string_if_invalid": RaisingString("%s"),
        },
    }
