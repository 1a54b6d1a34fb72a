from django.db import migrations

NEW_PREFIX = "assistance."


def add_assistance_capabilities(apps, schema_editor):
    """Give the shipped roles their assistance capabilities and add the treasurer role, keeping
    whatever offices changed."""
    from lianxin.core.capabilities import DEFAULT_ROLES

    Role = apps.get_model("core", "Role")
    for code, (name, capabilities, description) in DEFAULT_ROLES.items():
        role, created = Role.objects.get_or_create(
            code=code, defaults={"name": name, "capabilities": list(capabilities), "description": description}
        )
        if created:
            continue
        held = list(role.capabilities or [])
        added = [cap for cap in capabilities if cap.startswith(NEW_PREFIX) and cap not in held]
        if added:
            role.capabilities = held + added
            role.save(update_fields=["capabilities"])


class Migration(migrations.Migration):
    dependencies = [("core", "0006_notifications_and_idempotency")]
    operations = [migrations.RunPython(add_assistance_capabilities, migrations.RunPython.noop)]
