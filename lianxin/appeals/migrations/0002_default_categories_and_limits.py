from django.db import migrations


def load(apps, schema_editor):
    from lianxin.appeals.categories import CATEGORIES

    Category = apps.get_model("appeals", "Category")
    DeadlineRule = apps.get_model("appeals", "DeadlineRule")
    for order, (code, name, covers, keywords) in enumerate(CATEGORIES, start=1):
        Category.objects.update_or_create(
            code=code, defaults={"name": name, "covers": covers, "keywords": keywords, "order": order * 10}
        )
    # Accept within 1 working day, answer within 5, one extension to 15 (Tangsteel answered every
    # item within a week); immediate danger and distress: accept within 2 hours, any day.
    DeadlineRule.objects.get_or_create(
        category=None, kind="", flag="",
        defaults={"accept_working_days": 1, "answer_working_days": 5, "extended_working_days": 15},
    )
    for flag in ("safety_urgent", "distress"):
        DeadlineRule.objects.get_or_create(
            category=None, kind="", flag=flag,
            defaults={"accept_working_days": 0, "accept_hours": 2, "answer_working_days": 5, "extended_working_days": 15},
        )


class Migration(migrations.Migration):
    dependencies = [("appeals", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
