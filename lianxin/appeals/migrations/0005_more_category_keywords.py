"""More keywords for the category suggestion (gaps found by the rules tests).

Words are added to the shipped categories, never removed: an office's own edits stay.
"""

from django.db import migrations

ADDED = {
    "wages": "加班 发工资 讨薪",
    "labor_relations": "裁员 下岗 买断 经济补偿",
    "safety": "中暑 防暑 天车 钢丝绳 起重 消防 尘肺",
    "democracy": "骂人 辱骂 打压 刁难",
    "mental_health": "没意思 轻生 活不下去 不想活",
}


def add_keywords(apps, schema_editor):
    Category = apps.get_model("appeals", "Category")
    for code, words in ADDED.items():
        category = Category.objects.filter(code=code).first()
        if category is None:
            continue
        present = category.keywords.split()
        missing = [word for word in words.split() if word not in present]
        if missing:
            category.keywords = " ".join([*present, *missing])
            category.save(update_fields=["keywords"])


class Migration(migrations.Migration):
    dependencies = [("appeals", "0004_deadline_rule_unique_on_sqlite_too")]
    operations = [migrations.RunPython(add_keywords, migrations.RunPython.noop)]
