"""The Article table and, in the same migration transaction, its embeddings collection."""

from django.db import migrations, models


def create_collection(apps, schema_editor):
    from articles import vectors

    vectors.create_collection()


def drop_collection(apps, schema_editor):
    from articles import vectors

    vectors.drop_collection()


class Migration(migrations.Migration):
    initial = True
    dependencies = []
    operations = [
        migrations.CreateModel(
            name="Article",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("title", models.CharField(max_length=200)),
                ("body", models.TextField(blank=True)),
            ],
        ),
        migrations.RunPython(create_collection, drop_collection),
    ]
