from django.db import migrations

from between.outcomes.seed import seed_instruments


def seed(apps, schema_editor):
    seed_instruments(apps.get_model("outcomes", "Instrument"))


class Migration(migrations.Migration):
    dependencies = [("outcomes", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
