"""One recipient per normalised name (issue 17): ``Recipient.key``, unique in the database.

Existing recipients whose names share a key are merged into the oldest one: their
register entries move to it and it keeps the smallest of their budgets, so the
privacy-loss ledger of the one entity is whole.
"""

from django.db import migrations, models

from lead411.reports.models import recipient_key


def fill_keys_and_merge(apps, schema_editor):
    Recipient = apps.get_model("reports", "Recipient")
    Disclosure = apps.get_model("reports", "Disclosure")
    survivors = {}
    for recipient in Recipient.objects.order_by("created_at", "pk"):
        key = recipient_key(recipient.name) or f"recipient {recipient.pk}"
        survivor = survivors.get(key)
        if survivor is None:
            recipient.key = key
            recipient.save(update_fields=["key"])
            survivors[key] = recipient
            continue
        Disclosure.objects.filter(recipient=recipient).update(recipient=survivor)
        if recipient.epsilon_budget < survivor.epsilon_budget:
            survivor.epsilon_budget = recipient.epsilon_budget
            survivor.save(update_fields=["epsilon_budget"])
        recipient.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="recipient",
            name="key",
            field=models.CharField(editable=False, max_length=200, null=True),
        ),
        migrations.RunPython(fill_keys_and_merge, migrations.RunPython.noop),
    ]
