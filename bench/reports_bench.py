"""Report queries against a year of data (run by hand; not part of the test suite).

    .venv/bin/python bench/reports_bench.py [--conversations 60000] [--messages 1000000] [--keep]

1. creates a fresh PostgreSQL database (tests/support/servers.py ``Database``) and migrates it;
2. fills a Jalali year (1404) with COPY: 12 units, 48 officials, official holidays, ~60,000
   conversations with ~1,000,000 messages, ~25,000 tickets (a third from chats), referral audit
   rows and ~20,000 ratings;
3. computes every case's office-hours metrics (``services.metrics_rebuild``) and times it, and
   times an idle ``metrics_sweep`` (what every worker tick costs once all is computed);
4. times every report query (median of 5 runs, after one warm-up) for a year, a month and a day,
   for all units, one unit and one official; the CSV and XLSX exports of a year; the API;
5. prints a table, and EXPLAIN ANALYZE of the slowest queries when asked (``--explain``).

The database is dropped at the end unless ``--keep``.
"""

import argparse
import datetime as dt
import io
import os
import random
import secrets
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def parse_args():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--conversations", type=int, default=60_000)
    p.add_argument("--messages", type=int, default=1_000_000)
    p.add_argument("--tickets", type=int, default=16_000, help="tickets not from chats (escalated chats add theirs)")
    p.add_argument("--runs", type=int, default=5)
    p.add_argument("--keep", action="store_true", help="keep the database (its URL is printed)")
    p.add_argument("--explain", action="store_true")
    p.add_argument("--database-url", default="", help="use this (empty) database instead of creating one")
    return p.parse_args()


def setup_django(url):
    os.environ["DATABASE_URL"] = url
    os.environ["DJANGO_SETTINGS_MODULE"] = "chatdesk.settings"
    os.environ.setdefault("CHATDESK_FAST_HASHER", "1")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


# --- filling ------------------------------------------------------------------------------------
def copy(model, columns, rows):
    """COPY rows (tuples in ``columns`` order) into the model's table; returns the count."""
    from django.db import connection

    table = model._meta.db_table
    n = 0
    with connection.cursor() as cursor:
        with cursor.cursor.copy(f'COPY "{table}" ({", ".join(columns)}) FROM STDIN') as cp:
            for row in rows:
                cp.write_row(row)
                n += 1
    return n


def reset_sequence(model):
    from django.db import connection

    table = model._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), (SELECT COALESCE(MAX(id), 1) FROM \"{table}\"))")


def office_moment(rng, day):
    """A moment on ``day``: mostly in office hours, sometimes in the evening."""
    from chatdesk.core import jalali

    if rng.random() < 0.85:
        minutes = 7 * 60 + 30 + rng.randrange(7 * 60)
    else:
        minutes = 15 * 60 + rng.randrange(7 * 60)
    return jalali.local_datetime(day, dt.time(minutes // 60, minutes % 60, rng.randrange(60)))


def fill(args):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.hashers import make_password

    from chatdesk.chats.models import Conversation, Message
    from chatdesk.core import jalali
    from chatdesk.core.tracking import new_tracking_code
    from chatdesk.directory.models import Holiday, Official, Unit
    from chatdesk.reports.models import Rating
    from chatdesk.tickets.models import AuditEvent, Ticket

    rng = random.Random(1404)
    first = jalali.jalali_date(1404, 1, 1)
    last = jalali.jalali_date(1404, 12, 29)
    days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    units = [Unit.objects.create(name=f"واحد {i:02d}", code=f"u{i:02d}", always_open=(i == 12)) for i in range(1, 13)]
    for d in rng.sample(days, 25):
        Holiday.objects.create(date=d, name="تعطیل رسمی", kind=Holiday.Kind.OFFICIAL)
    User = get_user_model()
    password = make_password(None)
    users = User.objects.bulk_create([User(username=f"bench{i}", password=password) for i in range(48)])
    officials = Official.objects.bulk_create(
        [Official(user=u, display_name=f"کارشناس {i}", role=Official.Role.SUPERVISOR if i % 12 == 0 else Official.Role.OFFICIAL) for i, u in enumerate(users)]
    )
    for i, o in enumerate(officials):
        o.units.set([units[i % 12]])
    by_unit = {u.pk: [o for i, o in enumerate(officials) if i % 12 == k] for k, u in enumerate(units)}
    workdays = [d for d in days if jalali.jalali_weekday(d) < 5]

    # conversations and their messages
    conv_cols = ["id", "unit_id", "token_digest", "citizen_name", "citizen_mobile", "citizen_email", "status", "official_id",
                 "created_at", "taken_at", "first_response_at", "closed_at", "closed_by", "last_activity_at", "last_seq",
                 "ip_address", "started_offline", "escalate_at"]
    msg_cols = ["conversation_id", "seq", "sender", "official_id", "kind", "body", "data", "client_id", "created_at"]
    per_chat = max(1, args.messages // max(1, int(args.conversations * 0.75)))
    convs, msgs, escalated = [], [], []
    total_msgs = 0
    for cid in range(1, args.conversations + 1):
        unit = units[rng.randrange(12)]
        created = office_moment(rng, rng.choice(workdays))
        outcome = rng.random()
        official = taken = first_resp = None
        closed = created + dt.timedelta(minutes=rng.randrange(2, 40))
        if outcome < 0.75:
            official = rng.choice(by_unit[unit.pk])
            taken = created + dt.timedelta(seconds=int(rng.expovariate(1 / 90)))
            first_resp = taken + dt.timedelta(seconds=rng.randrange(5, 120))
            closed = max(closed, first_resp + dt.timedelta(minutes=rng.randrange(1, 30)))
            closed_by = rng.choice(["citizen", "official"])
            n = max(2, int(rng.gauss(per_chat, per_chat / 3)))
        elif outcome < 0.85:
            closed_by, n = "citizen", rng.randrange(1, 3)
        else:
            closed_by, n = "system", rng.randrange(1, 4)
            escalated.append((cid, unit, created, closed))
        if total_msgs + n > args.messages:
            n = max(1, args.messages - total_msgs)
        status = "closed" if created < jalali.local_datetime(last, dt.time(0)) else "active"
        convs.append((cid, unit.pk, secrets.token_hex(32), "شهروند آزمایشی", "09120000000", "", status,
                      official.pk if official else None, created, taken, first_resp, closed if status == "closed" else None,
                      closed_by if status == "closed" else "", closed, n, "10.0.0.1", False, None))
        step = (closed - created) / (n + 1)
        for seq in range(1, n + 1):
            side = "citizen" if (seq % 2 or official is None) else "official"
            msgs.append((cid, seq, side, official.pk if side == "official" else None, "text", "متن پیام آزمایشی برای سنجش گزارش‌ها",
                         "{}", "", created + step * seq))
        total_msgs += n
    t = time.perf_counter()
    copy(Conversation, conv_cols, convs)
    copy(Message, msg_cols, msgs)
    reset_sequence(Conversation)
    fill_seconds = time.perf_counter() - t

    # tickets: escalated chats, then forms / email
    t_cols = ["id", "code", "kind", "status", "priority", "unit_id", "assignee_id", "subject", "citizen_name", "citizen_mobile",
              "citizen_email", "citizen_national_code", "hide_identity", "conversation_id", "secret", "data", "ip_address",
              "created_at", "updated_at", "first_response_at", "resolved_at", "closed_at", "first_response_due",
              "first_response_warn_at", "resolution_due", "resolution_warn_at", "sla_alerted", "search_key"]
    tickets, codes = [], set()
    kinds = ["request", "complaint", "meeting", "contact", "email"]
    specs = [(cid, unit, closed, "chat") for cid, unit, _c, closed in escalated]
    specs += [(None, units[rng.randrange(12)], office_moment(rng, rng.choice(workdays)), rng.choice(kinds)) for _ in range(args.tickets)]
    for tid, (cid, unit, created, kind) in enumerate(specs, start=1):
        code = new_tracking_code()
        while code in codes:
            code = new_tracking_code()
        codes.add(code)
        r = rng.random()
        status = "closed" if r < 0.6 else "resolved" if r < 0.8 else "open" if r < 0.9 else "new" if r < 0.95 else "waiting"
        assignee = rng.choice(by_unit[unit.pk]) if status != "new" else None
        fr_due = created + dt.timedelta(days=1)
        res_due = created + dt.timedelta(days=4)
        first_resp = created + dt.timedelta(hours=rng.expovariate(1 / 6)) if status != "new" else None
        resolved = created + dt.timedelta(hours=rng.expovariate(1 / 60)) if status in ("resolved", "closed") else None
        if resolved and first_resp and resolved < first_resp:
            resolved = first_resp + dt.timedelta(hours=1)
        closed = resolved + dt.timedelta(days=7) if status == "closed" else None
        updated = closed or resolved or first_resp or created
        tickets.append((tid, code, kind, status, "normal", unit.pk, assignee.pk if assignee else None, "موضوع آزمایشی",
                        "شهروند آزمایشی", "09120000000", "", "", False, cid, secrets.token_urlsafe(32), "{}", None,
                        created, updated, first_resp, resolved, closed, fr_due, fr_due, res_due, res_due, 0, ""))
    t = time.perf_counter()
    copy(Ticket, t_cols, tickets)
    reset_sequence(Ticket)
    audits = []
    for tid, *_rest in rng.sample(tickets, min(2000, len(tickets))):
        row = tickets[tid - 1]
        to_unit = units[rng.randrange(12)].pk
        audits.append((tid, None, "official", "refer", f'{{"unit": [{row[5]}, {to_unit}], "reason": "ارجاع"}}', row[17] + dt.timedelta(hours=2)))
    copy(AuditEvent, ["ticket_id", "official_id", "actor", "action", "changes", "created_at"], audits)

    ratings = []
    for c in convs:
        if c[7] and c[11] and rng.random() < 0.25:
            ratings.append((c[0], None, c[1], c[7], rng.choices([1, 2, 3, 4, 5], [5, 5, 10, 30, 50])[0], "", "widget", c[11] + dt.timedelta(minutes=1), c[11] + dt.timedelta(minutes=1)))
    for tk in tickets:
        if tk[20] and rng.random() < 0.3:
            ratings.append((None, tk[0], tk[5], tk[6], rng.choices([1, 2, 3, 4, 5], [10, 10, 15, 30, 35])[0], "نظر", "email", tk[20] + dt.timedelta(hours=3), tk[20] + dt.timedelta(hours=3)))
    copy(Rating, ["conversation_id", "ticket_id", "unit_id", "official_id", "score", "comment", "channel", "created_at", "updated_at"], ratings)
    fill_seconds += time.perf_counter() - t
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return {"units": units, "officials": officials, "conversations": len(convs), "messages": total_msgs,
            "tickets": len(tickets), "ratings": len(ratings), "audits": len(audits), "fill_seconds": fill_seconds, "first": first}


# --- timing -------------------------------------------------------------------------------------
def timed(fn, runs):
    fn()  # warm-up
    samples = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t)
    return statistics.median(samples) * 1000


def drain(response):
    size = 0
    for chunk in response.streaming_content if response.streaming else [response.content]:
        size += len(chunk)
    response.close()
    return size


def bench(args, data):
    from django.db import connection, reset_queries
    from django.test import Client, override_settings

    from chatdesk.core import clock, jalali
    from chatdesk.reports import exports, periods, selectors, services
    from chatdesk.reports.models import AgencyToken

    units = [u.pk for u in data["units"]]
    one_unit = units[:1]
    official = data["officials"][1]
    now = jalali.local_datetime(jalali.jalali_date(1405, 1, 10), dt.time(10, 0))
    year = periods.period_for("year", data["first"])
    month = periods.period_for("month", jalali.jalali_date(1404, 7, 10))
    day = periods.period_for("day", jalali.jalali_date(1404, 7, 12))
    results = []

    def add(name, fn, runs=args.runs):
        ms = timed(fn, runs)
        results.append((name, ms))
        print(f"  {name:<58} {ms:9.1f} ms", flush=True)

    print("report queries (median of %d runs):" % args.runs)
    for label, period in (("year", year), ("month", month), ("day", day)):
        for scope_label, scope in (
            ("all units", selectors.Scope(period, tuple(units))),
            ("one unit", selectors.Scope(period, tuple(one_unit))),
            ("one official", selectors.Scope(period, tuple(units), official.pk)),
        ):
            add(f"summary {label}, {scope_label}", lambda s=scope: selectors.summary(s, now))
        scope = selectors.Scope(period, tuple(units))
        add(f"summary by unit, {label}", lambda s=scope: selectors.summary(s, now, by="unit"))
        add(f"summary by official, {label}", lambda s=scope: selectors.summary(s, now, by="official"))
        add(f"series (chart), {label}", lambda s=scope: selectors.series(s))
        add(f"tickets by kind + status, {label}", lambda s=scope: (selectors.tickets_by(s, "kind"), selectors.tickets_by(s, "status")))
        add(f"referrals, {label}", lambda s=scope: selectors.referrals(s))
        add(f"ratings list (first page), {label}", lambda s=scope: list(selectors.ratings_list(s)[:50]))
        add(f"metrics pending, {label}", lambda s=scope: selectors.metrics_pending(s))
    scope = selectors.Scope(year, tuple(units))
    add("idle metrics_sweep (every worker tick)", lambda: services.metrics_sweep(now=now))

    # whole pages and files, through the real views
    from django.contrib.auth import get_user_model

    from chatdesk.directory.models import Official

    admin_user, created = get_user_model().objects.get_or_create(username="bench-admin")
    if created:
        Official.objects.create(user=admin_user, display_name="مدیر", role=Official.Role.ADMIN)
    client = Client()
    client.force_login(admin_user)
    q_year = "period=year&date=1404/07/01"
    q_month = "period=month&date=1404/07/01"
    with clock.frozen_at(now), override_settings(ALLOWED_HOSTS=["testserver"]):
        add("page /console/reports/ (month)", lambda: client.get(f"/console/reports/?{q_month}").content, runs=3)
        add("page /console/reports/ (year)", lambda: client.get(f"/console/reports/?{q_year}").content, runs=3)
        sizes = {}

        def export(what, fmt):
            sizes[(what, fmt)] = drain(client.get(f"/console/reports/export/{what}.{fmt}?{q_year}"))

        add("export chats.csv (year)", lambda: export("chats", "csv"), runs=1)
        add("export tickets.csv (year)", lambda: export("tickets", "csv"), runs=1)
        add("export chats.xlsx (year)", lambda: export("chats", "xlsx"), runs=1)
        add("export summary.xlsx (year)", lambda: export("summary", "xlsx"), runs=1)
        AgencyToken.objects.filter(name="bench").delete()
        token = AgencyToken(name="bench", all_units=True)
        raw = services.agency_token_issue(token=token)
        api = Client()
        add("API /api/stats/v1/summary (year, 12 units)",
            lambda: api.get("/api/stats/v1/summary?from=1404/01/01&to=1404/12/29", HTTP_AUTHORIZATION=f"Bearer {raw}").content, runs=3)
    for (what, fmt), size in sizes.items():
        print(f"  file {what}.{fmt}: {size / 1e6:.1f} MB")

    if args.explain:
        from django.db.models import Count

        for name, qs in (
            ("chats of a month, all units", selectors.chats_of(selectors.Scope(month, tuple(units)))),
            ("chats of a day, one official", selectors.chats_of(selectors.Scope(day, tuple(units), official.pk))),
            ("idle sweep: chats", services.chats_needing_metrics()),
            ("idle sweep: tickets", services.tickets_needing_metrics()),
        ):
            print(f"\nEXPLAIN ANALYZE {name}:")
            print(qs.aggregate(**selectors.chat_aggregates()) if "chats of" in name else qs.count())
            sql, params = (qs.values("pk").annotate(n=Count("pk")) if False else qs.values("pk")).query.sql_with_params()
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN ANALYZE " + sql, params)
                for (line,) in cursor.fetchall():
                    print("   ", line)
    reset_queries()
    return results


def main():
    args = parse_args()
    from tests.support.servers import Database

    db = None
    url = args.database_url
    if not url:
        db = Database.create(prefix="chatdesk_reports_bench")
        url = db.url
    try:
        t = time.perf_counter()
        setup_django(url)
        print(f"database {url} migrated in {time.perf_counter() - t:.1f} s")
        from chatdesk.chats.models import Conversation
        from chatdesk.reports import services

        if Conversation.objects.exists():  # --database-url of a kept run: time the queries again
            from chatdesk.core import jalali
            from chatdesk.directory.models import Official, Unit

            data = {"units": list(Unit.objects.filter(code__startswith="u").order_by("id")),
                    "officials": list(Official.objects.filter(user__username__startswith="bench").order_by("id")),
                    "first": jalali.jalali_date(1404, 1, 1)}
            print("reusing the data already in the database")
        else:
            t = time.perf_counter()
            data = fill(args)
            print(f"filled in {time.perf_counter() - t:.1f} s (COPY {data['fill_seconds']:.1f} s): {data['conversations']:,} conversations, "
                  f"{data['messages']:,} messages, {data['tickets']:,} tickets, {data['audits']:,} referrals, {data['ratings']:,} ratings")
            t = time.perf_counter()
            rows = services.metrics_rebuild()
            print(f"metrics_rebuild: {rows:,} cases in {time.perf_counter() - t:.1f} s")
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
            cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
            print("database size:", cursor.fetchone()[0])
        bench(args, data)
    finally:
        if db is not None and not args.keep:
            from django.db import connections

            connections.close_all()
            db.drop()
        elif db is not None:
            print("kept:", db.url)


if __name__ == "__main__":
    main()
