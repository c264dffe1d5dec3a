"""Reviews and replies written before inline spoilers existed may already use ||this||:
render them again so their spoilers are marked too."""

from django.db import migrations


def rerender(apps, schema_editor):
    from core.markup import render_markdown

    for name in ("Review", "Reply"):
        model = apps.get_model("reviews", name)
        for row in model.objects.filter(body__contains="||").only("pk", "body").iterator():
            model.objects.filter(pk=row.pk).update(body_html=render_markdown(row.body))


class Migration(migrations.Migration):
    dependencies = [("reviews", "0004_moderators_see_log_and_suspend")]

    operations = [migrations.RunPython(rerender, migrations.RunPython.noop)]
