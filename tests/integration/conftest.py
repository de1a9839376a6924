"""Fixtures for the multi-process tests: one fresh PostgreSQL database per session (migrated, with
a unit and two officials), a Redis database number, and two daphne processes per test.

These tests never use pytest-django's database: the code under test runs in the server
processes; the tests talk to them over the network and read rows with psycopg."""

import json
import re
import secrets

import pytest

from tests.support import servers


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


def _failed(node):
    return any(getattr(getattr(node, f"report_{when}", None), "failed", False) for when in ("setup", "call"))


PASSWORD = "it-pass-1405"
OFFICIALS = {"it_first": "زهرا آزمون", "it_second": "علی آزمون"}

# One unit whose chats are taken by hand, and its officials: the tests do not depend on demo data.
SEED = f"""
import json
from django.contrib.auth import get_user_model
from chatdesk.directory.models import Official, Unit
unit = Unit.objects.create(code="it-desk", name="میز آزمون یکپارچه", routing=Unit.Routing.MANUAL)
officials = {{}}
for username, name in {OFFICIALS!r}.items():
    user = get_user_model().objects.create_user(username=username, password={PASSWORD!r})
    official = Official.objects.create(user=user, display_name=name, role=Official.Role.OFFICIAL)
    official.units.set([unit])
    officials[username] = official.pk
print(json.dumps({{"unit": unit.pk, "officials": officials}}))
"""


@pytest.fixture(scope="session")
def it_env():
    """Environment shared by every process of the session; the database is dropped at the end."""
    for host, port, what in (("127.0.0.1", 5432, "PostgreSQL"), ("127.0.0.1", 6379, "Redis")):
        if not servers.port_open(host, port):
            pytest.fail(f"{what} is not listening on {host}:{port} (run tools/ensure_services.sh)", pytrace=False)
    database = servers.Database.create()
    try:
        env = servers.environment(
            database_url=database.url,
            redis_url=servers.redis_url(),
            # Redis pub/sub ignores database numbers: a prefix of our own keeps a parallel run
            # (or anything else on this Redis) from hearing our groups, and us theirs.
            CHANNEL_LAYER_PREFIX=f"it{secrets.token_hex(4)}.",
            # Every test starts chats from 127.0.0.1; the per-address hourly limit is not under test.
            CHAT_CHATS_PER_HOUR_PER_ADDRESS=1000,
        )
        servers.manage("migrate", "--noinput", env=env)
        seeded = json.loads(servers.shell(SEED, env=env).strip().splitlines()[-1])
        yield {"env": env, "database": database, **seeded}
    finally:
        database.drop()


@pytest.fixture(scope="session")
def database(it_env):
    return it_env["database"]


@pytest.fixture(scope="session")
def unit_id(it_env):
    return it_env["unit"]


@pytest.fixture(scope="session")
def officials(it_env):
    """username -> Official id; every one belongs to the unit ``unit_id``."""
    return it_env["officials"]


@pytest.fixture(scope="session")
def password():
    """Every seeded official's password."""
    return PASSWORD


@pytest.fixture
def processes(request, it_env):
    """Processes started during one test; stopped afterwards, logs kept in artifacts/ on failure."""
    group = servers.Processes(it_env["env"])
    try:
        yield group
    finally:
        group.stop_all()
        if _failed(request.node):
            name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)
            dest = group.save_logs(servers.ARTIFACTS / "integration" / name)
            print(f"\nserver logs kept in {dest}")
        group.cleanup()


@pytest.fixture
def two_servers(processes):
    """Two daphne processes, A and B, over the same PostgreSQL and Redis."""
    return processes.start_servers("daphne-a", "daphne-b")
