"""Replace the suppression list's plain addresses with keyed hashes (issue 3).

Existing entries are hashed with the current ``SECRET_KEY``; two entries of one
address in different case become one (the earliest is kept). The address cannot be
recovered, so the migration is irreversible.
"""

from typing import Any

from django.conf import settings
from django.db import migrations, models
from django.utils.crypto import salted_hmac

# Frozen copy of lead411.newsletter.suppression.email_hash at the time of this migration.
SALT = "lead411.newsletter.suppression"


def _hash(email: str) -> str:
    return salted_hmac(
        SALT, email.strip().lower(), secret=settings.SECRET_KEY, algorithm="sha256"
    ).hexdigest()


def hash_addresses(apps: Any, schema_editor: Any) -> None:
    Suppression = apps.get_model("newsletter", "Suppression")
    seen: set[str] = set()
    for row in Suppression.objects.order_by("created_at", "id"):
        digest = _hash(row.email)
        if digest in seen:
            row.delete()
            continue
        seen.add(digest)
        row.email_hash = digest
        row.save(update_fields=["email_hash"])


def empty_list(apps: Any, schema_editor: Any) -> None:
    apps.get_model("newsletter", "Suppression").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [
        ("newsletter", "0002_delivery_packed_body"),
    ]

    operations = [
        migrations.AddField(
            model_name="suppression",
            name="email_hash",
            field=models.CharField(max_length=64, null=True),
        ),
        migrations.RunPython(hash_addresses, migrations.RunPython.noop),
        migrations.RemoveField(model_name="suppression", name="email"),
        migrations.AlterField(
            model_name="suppression",
            name="email_hash",
            field=models.CharField(
                help_text="HMAC-SHA256 of the lower-cased address.", max_length=64, unique=True
            ),
        ),
        # Backwards this runs first: the old column cannot be re-added with rows present.
        migrations.RunPython(migrations.RunPython.noop, empty_list),
    ]
