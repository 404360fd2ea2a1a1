"""Create the "Sales-leads team" group holding accounts.view_registration_details (P8)."""

from django.db import migrations

GROUP_NAME = "Sales-leads team"
TEAM_PERMISSIONS = [
    ("view_registration_details", "Can view registration details (sales-leads team)"),
    ("view_application", "Can view application"),
    ("change_application", "Can change application"),
    ("view_user", "Can view user"),
    ("change_user", "Can change user"),
    ("view_accountchangerequest", "Can view account change request"),
    ("change_accountchangerequest", "Can change account change request"),
    ("view_stolenpasswordreport", "Can view stolen password report"),
    ("change_stolenpasswordreport", "Can change stolen password report"),
]
MODEL_OF = {
    "application": "application",
    "user": "user",
    "accountchangerequest": "accountchangerequest",
    "stolenpasswordreport": "stolenpasswordreport",
    "registration_details": "application",
}


def create_team(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    Permission = apps.get_model("auth", "Permission")
    Group = apps.get_model("auth", "Group")
    group, _ = Group.objects.get_or_create(name=GROUP_NAME)
    for codename, name in TEAM_PERMISSIONS:
        model = MODEL_OF[codename.split("_", 1)[1]]
        # Permissions are normally created after migrations (post_migrate); create them
        # here so the group can hold them on a fresh database.
        content_type, _ = ContentType.objects.get_or_create(app_label="accounts", model=model)
        permission, _ = Permission.objects.get_or_create(
            content_type=content_type, codename=codename, defaults={"name": name}
        )
        group.permissions.add(permission)


def remove_team(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP_NAME).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0002_application_accountchangerequest_stolenpasswordreport"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_team, remove_team)]
