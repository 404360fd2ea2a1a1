"""Recipient keys become required and unique (issue 17), after 0002 filled and merged them.

A migration of its own: on PostgreSQL, altering the table in the transaction whose data
migration updated its rows fails ("pending trigger events").
"""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0002_recipient_key_unique"),
    ]

    operations = [
        migrations.AlterField(
            model_name="recipient",
            name="key",
            field=models.CharField(
                editable=False,
                help_text="The name case folded, punctuation and spaces made one space (recipient_key).",
                max_length=200,
                unique=True,
            ),
        ),
        migrations.AddConstraint(
            model_name="recipient",
            constraint=models.CheckConstraint(
                condition=models.Q(("key", ""), _negated=True),
                name="reports_recipient_key_not_empty",
            ),
        ),
    ]
