"""Existing companies: the state of incorporation as its EDGAR code, streets out of capitals.

Rows written before the importers stored one form hold "DELAWARE" or "Delaware" (Form D)
beside "DE" (SEC headers), and streets as EDGAR prints them ("1 META WAY"). The same
functions the importers use now rewrite them: ``incorporation_code`` (a value naming no
EDGAR place is kept as it is) and ``readable_case`` (mixed case is left alone). Both map
their own output to itself, so running this again changes nothing. The reverse is a no-op:
the old spellings are not worth restoring.
"""

from django.db import migrations

from lead411.leads.edgar_places import incorporation_code, readable_case

_BATCH = 1000


def normalise(apps, schema_editor):
    company_model = apps.get_model("leads", "Company")
    rows = (
        company_model.objects.exclude(state_of_incorporation="", street_address="")
        .only("id", "state_of_incorporation", "street_address")
        .order_by("id")
    )
    changed = []
    for company in rows.iterator(chunk_size=_BATCH):
        code = incorporation_code(company.state_of_incorporation)
        street = readable_case(company.street_address)
        if (code, street) != (company.state_of_incorporation, company.street_address):
            company.state_of_incorporation, company.street_address = code, street
            changed.append(company)
        if len(changed) >= _BATCH:
            company_model.objects.bulk_update(changed, ["state_of_incorporation", "street_address"])
            changed = []
    if changed:
        company_model.objects.bulk_update(changed, ["state_of_incorporation", "street_address"])


class Migration(migrations.Migration):
    dependencies = [
        ("leads", "0011_company_profile"),
    ]

    operations = [
        migrations.RunPython(normalise, migrations.RunPython.noop, elidable=True),
    ]
