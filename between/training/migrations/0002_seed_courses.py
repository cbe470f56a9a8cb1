from django.db import migrations

from between.training.content import seed_courses


def seed(apps, schema_editor):
    seed_courses(apps.get_model("training", "Course"))


class Migration(migrations.Migration):
    dependencies = [("training", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
