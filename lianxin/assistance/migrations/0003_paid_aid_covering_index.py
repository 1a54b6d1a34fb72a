"""The paid-aid index covers the statistics: (status, paid_on) with unit, programme, file, member
and amount included, so a year of a whole group's aid is read from the index alone (PostgreSQL;
SQLite ignores the included columns). It replaces the plain (status, paid_on) index."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("assistance", "0002_default_level_rules")]

    operations = [
        migrations.RemoveIndex(model_name="application", name="assistance_app_status_paid"),
        migrations.AddIndex(
            model_name="application",
            index=models.Index(
                fields=["status", "paid_on"],
                include=("unit", "programme", "file", "member", "amount"),
                name="assistance_app_paid_cover",
            ),
        ),
    ]
