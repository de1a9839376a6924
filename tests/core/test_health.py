"""GET /healthz: the database, a real channel-layer round trip and the workers' heartbeats."""

import datetime as dt
import secrets

import pytest
from channels.layers import get_channel_layer
from django.test import AsyncClient, override_settings
from django.utils import timezone

from chatdesk.core import clock, worker
from chatdesk.core.models import WorkerHeartbeat
from chatdesk.core.views import worker_stale_seconds

REDIS = "redis://127.0.0.1:6379/0"


def pubsub_layers(address, **host):
    return {
        "default": {
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            "CONFIG": {"hosts": [{"address": address, "socket_timeout": 2, "socket_connect_timeout": 1, **host}], "prefix": f"hz{secrets.token_hex(3)}."},
        }
    }


def closed_port():
    from tests.support.servers import free_port

    return free_port()


async def get(path="/healthz"):
    response = await AsyncClient().get(path)
    return response.status_code, response.json()


def beat(age_seconds=0, name="host:1"):
    WorkerHeartbeat.objects.update_or_create(name=name, defaults={"beat_at": timezone.now() - dt.timedelta(seconds=age_seconds)})


@pytest.mark.django_db(transaction=True)
async def test_all_checks_pass_with_a_fresh_worker_heartbeat():
    from asgiref.sync import sync_to_async

    await sync_to_async(beat)(1)
    status, body = await get()
    assert status == 200, body
    assert body["status"] == "ok"
    assert body["checks"] == {"database": "ok", "channel_layer": "ok", "worker": "ok"}
    assert body["details"]["worker"]["fresh"] == 1
    assert 0 <= body["details"]["worker"]["newest_age_seconds"] < 5


@pytest.mark.django_db(transaction=True)
async def test_no_worker_is_503_but_the_readiness_subset_is_200():
    status, body = await get()
    assert status == 503
    assert body["status"] == "error"
    assert body["checks"]["worker"] == "error: no heartbeat"
    assert body["checks"]["database"] == "ok" and body["checks"]["channel_layer"] == "ok"

    status, body = await get("/healthz?checks=database,channel_layer")
    assert status == 200, body
    assert body["checks"] == {"database": "ok", "channel_layer": "ok"}


@pytest.mark.django_db(transaction=True)
async def test_a_stale_heartbeat_fails_the_worker_check():
    from asgiref.sync import sync_to_async

    await sync_to_async(beat)(worker_stale_seconds() + 5, name="old:1")
    status, body = await get("/healthz?checks=worker")
    assert status == 503
    assert body["checks"] == {"worker": "error: stale heartbeat"}
    assert body["details"]["worker"]["fresh"] == 0
    # a second worker beating now makes the desk healthy again: any one fresh worker is enough
    await sync_to_async(beat)(0, name="new:2")
    status, body = await get("/healthz?checks=worker")
    assert status == 200 and body["details"]["worker"]["fresh"] == 1


@pytest.mark.django_db(transaction=True)
async def test_the_heartbeat_uses_wall_time_even_when_the_business_clock_is_frozen():
    from asgiref.sync import sync_to_async

    with clock.frozen_at(timezone.now() - dt.timedelta(days=3)):
        await sync_to_async(worker.run_once)("host:7:embedded")
    row = await WorkerHeartbeat.objects.aget(name="host:7:embedded")
    assert row.jobs_run == len(worker.jobs())
    assert abs((timezone.now() - row.beat_at).total_seconds()) < 5
    status, _ = await get("/healthz?checks=worker")
    assert status == 200
    await sync_to_async(worker.run_once)("host:7:embedded")
    row = await WorkerHeartbeat.objects.aget(name="host:7:embedded")
    assert row.jobs_run == 2 * len(worker.jobs())


@pytest.mark.django_db(transaction=True)
async def test_redis_pubsub_round_trip_and_no_subscription_left_behind():
    from tests.support.servers import port_open

    if not port_open("127.0.0.1", 6379):
        pytest.fail("Redis is not listening on 127.0.0.1:6379 (run tools/ensure_services.sh)")
    with override_settings(CHANNEL_LAYERS=pubsub_layers(REDIS)):
        for _ in range(3):
            status, body = await get("/healthz?checks=database,channel_layer")
            assert status == 200, body
        loop_layer = get_channel_layer()._get_layer()
        # every probe channel was unsubscribed again: polling does not leak subscriptions
        assert loop_layer.channels == {}
        await get_channel_layer().flush()


@pytest.mark.django_db(transaction=True)
async def test_unreachable_redis_is_503_quickly():
    import time

    with override_settings(CHANNEL_LAYERS=pubsub_layers(f"redis://127.0.0.1:{closed_port()}/0")):
        started = time.monotonic()
        status, body = await get("/healthz?checks=database,channel_layer")
        elapsed = time.monotonic() - started
        await get_channel_layer().flush()
    assert status == 503
    assert body["checks"]["database"] == "ok"
    assert body["checks"]["channel_layer"].startswith("error: ")
    assert elapsed < 5


@pytest.mark.django_db(transaction=True)
async def test_bad_requests():
    response = await AsyncClient().get("/healthz?checks=database,redis")
    assert response.status_code == 400
    assert response.json()["error"] == "unknown check: redis"
    response = await AsyncClient().post("/healthz")
    assert response.status_code == 405
