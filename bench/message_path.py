"""The cost of one chat message's database path, without sockets (run by hand).

``bench/run.py`` measures the whole desk; this isolates ``chats.services.message_send`` (the
service every ``message.send`` frame ends in) on PostgreSQL, in one process and one thread, as
the sockets' database thread runs it: the same persistent connection, the broadcasts captured
instead of published.  It prints wall and CPU time per message (this process's, and
PostgreSQL's), the SQL statements each one sends and how many are prepared on the connection,
so a change to the message path can be judged before any load test.

``--together N`` sends the messages N at a time through ``message_send_together`` (group
commit, #22: what the sockets' side does under load) instead of one by one; the figures are
still per message.

    .venv/bin/python bench/message_path.py [--messages 3000] [--together 1]
"""

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.run import Sampler  # noqa: E402
from tests.support import servers  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=3000)
    parser.add_argument("--together", type=int, default=0, help="messages per transaction (message_send_together); 0: message_send")
    args = parser.parse_args()
    database = servers.Database.create("chatdesk_bench_path")
    try:
        os.environ.update(servers.environment(database_url=database.url, redis_url=""))
        os.environ.pop("REDIS_URL")
        import django

        django.setup()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        run(args.messages, args.together)
    finally:
        from django.db import connections

        connections.close_all()
        database.drop()


def run(n, together=0):
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from chatdesk.chats import services
    from chatdesk.chats.models import Conversation
    from chatdesk.core import realtime
    from chatdesk.directory.models import Official, Unit

    unit = Unit.objects.create(code="bench", name="میز سنجش", always_open=True)
    user = get_user_model().objects.create_user(username="bench-official", password="x")
    official = Official.objects.create(user=user, display_name="کارشناس", status=Official.Status.AVAILABLE, max_chats=5)
    official.units.set([unit])
    conversations = [services.conversation_start(unit_id=unit.pk, name=f"شهروند {i}").conversation for i in range(200)]
    Conversation.objects.filter(pk__in=[c.pk for c in conversations]).update(status=Conversation.Status.ACTIVE, official=official)

    def request(i):
        conversation = conversations[i % len(conversations)]
        if i % 2:
            return dict(conversation_id=conversation.pk, sender="official", official=official, client_id=f"o{i}", body=f"پاسخ {i}")
        return dict(conversation_id=conversation.pk, sender="citizen", client_id=f"c{i}", body=f"پرسش {i}")

    def send(i):
        return services.message_send(**request(i))

    def send_together(first):
        outcomes = services.message_send_together([request(i) for i in range(first, min(first + together, n))])
        refused = [o for o in outcomes if isinstance(o, BaseException)]
        assert not refused, refused

    with realtime.captured():
        for i in range(200):  # warm up: connection, plans, Python caches
            send(n + i)
        for side, offset in (("citizen", 0), ("official", 1)):
            with CaptureQueriesContext(connection) as queries:
                send(2 * n + 1000 + offset)
            print(f"{side} message: {len(queries.captured_queries)} statements")
            for q in queries.captured_queries:
                print("   ", q["sql"][:150])
        walls, cpus = [], []
        sampler = Sampler({})  # bench/run.py's: PostgreSQL's processes, backends included
        sampler.start()
        step = together or 1
        for i in range(0, n, step):
            wall, cpu = time.perf_counter(), time.process_time()
            send_together(i) if together else send(i)
            count = min(step, n - i)  # each message of a batch is counted at the batch's average
            walls += [(time.perf_counter() - wall) / count] * count
            cpus += [(time.process_time() - cpu) / count] * count
        sampler.stop()
        postgres = sampler.cpu_percent.get("postgres", 0.0) * sampler.wall / 100  # CPU seconds
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM pg_prepared_statements")
            prepared = cursor.fetchone()[0]
    walls.sort()
    print(f"{n} messages{f' in batches of {together}' if together else ''}: wall p50 {1000 * statistics.median(walls):.2f} ms, p99 {1000 * walls[int(0.99 * n)]:.2f} ms; "
          f"CPU of this process {1000 * sum(cpus) / n:.2f} ms per message, of PostgreSQL {1000 * postgres / n:.2f} ms; "
          f"{prepared} statements prepared on the connection")


if __name__ == "__main__":
    main()
