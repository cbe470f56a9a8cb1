"""Seed the barrier and strategy catalogs (homework/catalogs.py)."""

from django.db import migrations

from between.homework.catalogs import seed_catalogs


def seed(apps, schema_editor):
    seed_catalogs(apps.get_model("homework", "Barrier"), apps.get_model("homework", "Strategy"))


class Migration(migrations.Migration):
    dependencies = [("homework", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
