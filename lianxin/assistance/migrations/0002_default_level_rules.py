"""The default rules that suggest a hardship level (困难类别), editable in the admin.

Income per head is the household's monthly income divided by its size, compared with the local
minimum-living standard (低保标准) in force for the member's unit. The first active rule, by
`order`, that matches gives the suggestion; the cadre may still choose another level.

- order 10, 深度困难 (deep): income per head at most 1.0 × the standard, whatever the cause — the
  narrowest income band, so it is tried first: a household below the standard is in deep hardship
  even when an illness or accident brought it there.
- order 20, 意外致困 (accident): at most 2.0 × the standard and the file names a sudden cause —
  disaster, accident or serious illness. Narrower than "relative" by its causes, so it comes
  before it: such a household at 1.2 × is "accident", not "relative".
- order 30, 相对困难 (relative): at most 1.5 × the standard, any cause.

Above these bands no level is suggested.
"""

from decimal import Decimal

from django.db import migrations

RULES = [
    # (order, level, max_ratio, causes)
    (10, "deep", Decimal("1.00"), []),
    (20, "accident", Decimal("2.00"), ["disaster", "accident", "serious_illness"]),
    (30, "relative", Decimal("1.50"), []),
]


def load(apps, schema_editor):
    LevelRule = apps.get_model("assistance", "LevelRule")
    for order, level, max_ratio, causes in RULES:
        LevelRule.objects.get_or_create(
            level=level, order=order, defaults={"max_ratio": max_ratio, "causes": causes, "is_active": True}
        )


class Migration(migrations.Migration):
    dependencies = [("assistance", "0001_hardship_aid_funds_mutual_aid")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
