from django.db import migrations


def load_holidays(apps, schema_editor):
    from chinese_calendar import constants

    Holiday = apps.get_model("core", "Holiday")
    CalendarYear = apps.get_model("core", "CalendarYear")
    rows = [Holiday(date=d, is_working_day=False, name=n) for d, n in constants.holidays.items()]
    rows += [Holiday(date=d, is_working_day=True, name=n) for d, n in constants.workdays.items()]
    Holiday.objects.bulk_create(rows, ignore_conflicts=True)
    for year in sorted({row.date.year for row in rows}):
        CalendarYear.objects.get_or_create(year=year, defaults={"source": "chinese-calendar"})


class Migration(migrations.Migration):
    dependencies = [("core", "0003_default_roles")]
    operations = [migrations.RunPython(load_holidays, migrations.RunPython.noop)]
