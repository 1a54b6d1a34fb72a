"""The daily rollup of the three rates' counts (see appeals/stats.py), with its marks and tree record.

With them, a partial index of the open appeals (about 1% of the rows, covering what the live late,
open and overdue counts read). Building it reads the whole table once, writes to appeals waiting
meanwhile: tens of seconds for 1,000,000 appeals (bench/README.md).

The tables start empty, and every (unit, day) that already has appeals is marked: readers count
marked days from the events, and the next sweep (or `manage.py appeal_stats_rebuild`, which is what
to run right after migrating a large database) computes the rows. Marking takes one statement,
about 20 s for 1,000,000 appeals; the rebuild then takes 30–60 s for them (bench/README.md).
The SQL is written out here, not imported, so this migration stays as it was run.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def mark_every_day(apps, schema_editor):
    day, params = schema_editor.connection.ops.datetime_cast_date_sql("received_at", (), settings.TIME_ZONE)
    sql = f"INSERT INTO appeals_appealdaystatsmark (unit_id, day) SELECT DISTINCT origin_unit_id, {day} FROM appeals_appeal"  # noqa: S608, E501
    schema_editor.execute(sql, params)


class Migration(migrations.Migration):
    dependencies = [
        ("appeals", "0006_appeal_search_vector"),
        ("org", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="AppealDayStatsUnit",
            fields=[
                (
                    "unit",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="org.unit",
                    ),
                ),
                ("path", models.CharField(max_length=255)),
            ],
        ),
        migrations.CreateModel(
            name="AppealDayStatsMark",
            fields=[
                ("id", models.BigAutoField(primary_key=True, serialize=False)),
                ("day", models.DateField()),
                (
                    "unit",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="org.unit",
                    ),
                ),
            ],
        ),
        migrations.CreateModel(
            name="AppealDayStats",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("day", models.DateField(help_text="The day the appeals were received (Asia/Shanghai).")),
                ("subtree", models.BooleanField()),
                ("received", models.PositiveIntegerField(default=0)),
                ("responded", models.PositiveIntegerField(default=0)),
                ("responded_on_time", models.PositiveIntegerField(default=0)),
                ("answered", models.PositiveIntegerField(default=0)),
                ("answered_on_time", models.PositiveIntegerField(default=0)),
                ("rated", models.PositiveIntegerField(default=0)),
                ("satisfied", models.PositiveIntegerField(default=0)),
                ("basic", models.PositiveIntegerField(default=0)),
                ("dissatisfied", models.PositiveIntegerField(default=0)),
                (
                    "unit",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="org.unit",
                    ),
                ),
            ],
            options={
                "indexes": [models.Index(fields=["day"], name="appeals_daystats_day")],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("unit", "subtree", "day"), name="appeals_daystats_unit_day"
                    )
                ],
            },
        ),
        migrations.AddIndex(
            model_name="appeal",
            index=models.Index(
                condition=models.Q(("state__in", ("submitted", "accepted", "deliberating", "in_progress"))),
                fields=["received_at"],
                include=(
                    "id",
                    "origin_unit",
                    "state",
                    "accept_due",
                    "answer_due",
                    "paused_at",
                    "reopen_count",
                    "overdue",
                ),
                name="appeals_open_received",
            ),
        ),
        migrations.RunPython(mark_every_day, migrations.RunPython.noop, elidable=True),
    ]
