"""Re-index the tickets' search column (issue #20): every stored key gets, on a second line, its
joined form (spaces removed), so «ثبتنام» finds «ثبت‌نام» (core.persian.search_index).  The
stored keys had ZWNJ folded to spaces, so joining them recovers what search_index now writes;
nothing is rebuilt from the cases' text (anonymised cases keep only their code)."""

from django.db import migrations

from chatdesk.core.persian import search_index_of_key


def forwards(apps, schema_editor):
    Ticket = apps.get_model("tickets", "Ticket")
    batch = []
    for ticket in Ticket.objects.only("pk", "search_key").iterator(chunk_size=2000):
        key = search_index_of_key(ticket.search_key)
        if key != ticket.search_key:
            ticket.search_key = key
            batch.append(ticket)
        if len(batch) >= 500:
            Ticket.objects.bulk_update(batch, ["search_key"])
            batch = []
    if batch:
        Ticket.objects.bulk_update(batch, ["search_key"])


class Migration(migrations.Migration):
    dependencies = [("tickets", "0003_persian_labels")]
    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
