"""Re-index the access log's citizen search column (issue #20), as tickets 0003 does for cases:
the joined form of each key on a second line (core.persian.search_index)."""

from django.db import migrations

from chatdesk.core.persian import search_index_of_key


def forwards(apps, schema_editor):
    AccessLog = apps.get_model("core", "AccessLog")
    batch = []
    for row in AccessLog.objects.exclude(citizen_key="").only("pk", "citizen_key").iterator(chunk_size=2000):
        key = search_index_of_key(row.citizen_key)
        if key != row.citizen_key:
            row.citizen_key = key
            batch.append(row)
        if len(batch) >= 500:
            AccessLog.objects.bulk_update(batch, ["citizen_key"])
            batch = []
    if batch:
        AccessLog.objects.bulk_update(batch, ["citizen_key"])


class Migration(migrations.Migration):
    dependencies = [("core", "0003_persian_labels")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
