from django.db import migrations


def load_roles(apps, schema_editor):
    from lianxin.core.capabilities import DEFAULT_ROLES

    Role = apps.get_model("core", "Role")
    for code, (name, capabilities, description) in DEFAULT_ROLES.items():
        Role.objects.update_or_create(
            code=code, defaults={"name": name, "capabilities": list(capabilities), "description": description}
        )


class Migration(migrations.Migration):
    dependencies = [("core", "0002_link_units")]
    operations = [migrations.RunPython(load_roles, migrations.RunPython.noop)]
