"""The anonymity wall: no identity in, nothing identifying out (clause P2)."""

import ast
import io
from pathlib import Path

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection

from .conftest import FULL_IPS

APP_DIR = Path(__file__).resolve().parent.parent
FORBIDDEN_MODULES = ("lead411.accounts", "lead411.activity")
FORBIDDEN_NAMES = ("get_user_model", "AUTH_USER_MODEL")
IDENTIFYING_WORDS = {"user", "member", "session", "ip", "email", "cookie", "address", "account"}


def _sources() -> list[Path]:
    return [p for p in APP_DIR.rglob("*.py") if "tests" not in p.relative_to(APP_DIR).parts]


@pytest.mark.clause("P2")
def test_weblog_never_imports_accounts_activity_or_the_user_model():
    offences = []
    for path in _sources():
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            modules: list[str] = []
            if isinstance(node, ast.Import):
                modules = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                modules = [base] + [f"{base}.{alias.name}" for alias in node.names]
                if node.level:
                    modules = [f"lead411.weblog.{m}" for m in modules]
            for module in modules:
                if module.startswith(FORBIDDEN_MODULES) or module.endswith(FORBIDDEN_NAMES):
                    offences.append(f"{path.name}:{getattr(node, 'lineno', 0)} imports {module}")
            if isinstance(node, ast.Name | ast.Attribute):
                name = node.id if isinstance(node, ast.Name) else node.attr
                if name in FORBIDDEN_NAMES:
                    offences.append(f"{path.name}:{getattr(node, 'lineno', 0)} uses {name}")
    assert len(_sources()) > 10
    assert offences == []


@pytest.mark.clause("P2")
def test_weblog_tables_have_no_foreign_key_and_no_identifying_column():
    models = list(apps.get_app_config("weblog").get_models())
    assert {m.__name__ for m in models} >= {"PageView", "DaySalt", "DailyCount"}
    for model in models:
        for field in model._meta.get_fields():
            assert not field.is_relation, f"{model.__name__}.{field.name} is a relation"
            words = set(field.name.lower().split("_"))
            assert not words & IDENTIFYING_WORDS, f"{model.__name__}.{field.name}"


@pytest.mark.clause("P2")
@pytest.mark.django_db
@pytest.mark.parametrize("retention_days", [36_500, 30], ids=["raw rows", "daily aggregates"])
def test_no_full_ip_in_any_stored_row_after_import(access_log, settings, retention_days):
    # The fixture's 2015 lines stay raw rows under a century's retention and go straight
    # into the daily aggregates under 30 days'.
    settings.WEBLOG_RAW_RETENTION_DAYS = retention_days
    call_command("import_access_log", str(access_log), "--no-progress", stdout=io.StringIO())
    dump = []
    with connection.cursor() as cursor:
        for model in apps.get_app_config("weblog").get_models():
            cursor.execute(f"SELECT * FROM {model._meta.db_table}")  # noqa: S608 - table names from models
            dump.append(repr(cursor.fetchall()))
    text = "\n".join(dump)
    assert ("192.0.2.0/24" in text) == (retention_days > 30)
    assert "'/pricing/'" in text
    for ip in FULL_IPS:
        assert ip not in text, "a full IP address was stored"
