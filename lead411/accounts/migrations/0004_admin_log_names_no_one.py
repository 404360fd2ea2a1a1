"""Rename members' records in the admin log (LogEntry.object_repr) without emails (P8).

The admin wrote ``str(obj)`` into LogEntry.object_repr, and the "Recent actions" box and
history pages print it. Before this release a user's str() was their email and a
stolen-password report's and an account-change request's named an email too; they are
rewritten to the labels the models give now ("Member #12", "Stolen-password report #3").
"""

from typing import Any

from django.db import migrations

from lead411.accounts.models import user_label


def relabel(apps: Any, schema_editor: Any) -> None:
    """Rewrite object_repr of every admin log entry about a user, report or request."""
    db = schema_editor.connection.alias
    content_type = apps.get_model("contenttypes", "ContentType")
    log_entry = apps.get_model("admin", "LogEntry")
    types = dict(
        content_type.objects.using(db)
        .filter(
            app_label="accounts", model__in=("user", "stolenpasswordreport", "accountchangerequest")
        )
        .values_list("model", "pk")
    )
    if not types:
        return  # a fresh database: no content types yet, so no log entries either
    staff = dict(apps.get_model("accounts", "User").objects.using(db).values_list("pk", "is_staff"))
    reporters = dict(
        apps.get_model("accounts", "StolenPasswordReport")
        .objects.using(db)
        .values_list("pk", "user_id")
    )

    def label(model: str, object_id: str) -> str:
        pk = int(object_id) if object_id.isdigit() else None
        if model == "user":
            return user_label(pk=pk, is_staff=bool(staff.get(pk, False)))
        if model == "stolenpasswordreport":
            member = f" (member #{reporters[pk]})" if pk in reporters else ""
            return f"Stolen-password report #{object_id}{member}"
        return f"Account change request #{object_id}"

    changed = []
    model_of = {pk: model for model, pk in types.items()}
    for entry in log_entry.objects.using(db).filter(content_type_id__in=model_of):
        entry.object_repr = label(model_of[entry.content_type_id], entry.object_id)
        changed.append(entry)
    log_entry.objects.using(db).bulk_update(changed, ["object_repr"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0003_sales_leads_team"),
        ("admin", "0003_logentry_add_action_flag_choices"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(relabel, migrations.RunPython.noop)]
