"""Haidian District and its 29 streets and towns ship with the project (R1; DOMAIN.md)."""

from django.db import migrations


def create_areas(apps, schema_editor):
    from xiaokang.core.areas import DISTRICT_CODE, DISTRICT_NAME, STREETS, street_code

    Area = apps.get_model("core", "Area")
    district, _ = Area.objects.update_or_create(
        code=DISTRICT_CODE, defaults={"name": DISTRICT_NAME, "level": "district", "parent": None}
    )
    for suffix, name, kind in STREETS:
        Area.objects.update_or_create(
            code=street_code(suffix),
            defaults={"name": name, "level": "street", "parent": district, "is_town": kind == "town"},
        )


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(create_areas, migrations.RunPython.noop)]
