from django.db import migrations

from between.audits.tools import seed_homework_tool


def seed(apps, schema_editor):
    seed_homework_tool(
        apps.get_model("audits", "ReviewTool"),
        apps.get_model("audits", "ToolVersion"),
        apps.get_model("audits", "ReviewItem"),
    )


class Migration(migrations.Migration):
    dependencies = [("audits", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
