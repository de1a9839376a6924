"""``manage.py serve`` tunes the garbage collector before it serves (#22, docs/performance.md):
what starting up made is frozen out of every collection, and the young generation is larger."""

import gc

import pytest
from django.core.management import call_command

from chatdesk.site.management.commands import serve


@pytest.fixture
def restored_gc():
    thresholds = gc.get_threshold()
    yield
    gc.unfreeze()
    gc.set_threshold(*thresholds)


def test_the_server_starts_with_startups_objects_frozen_and_a_larger_young_generation(monkeypatch, restored_gc):
    seen = {}

    def run_server(self, application, *args):
        seen.update(threshold=gc.get_threshold(), frozen=gc.get_freeze_count(), application=application)

    monkeypatch.setattr(serve.Command, "_uvicorn", run_server)
    monkeypatch.setattr(serve, "use_listening_address_for_links", lambda host, port: None)
    gc.unfreeze()
    gc.set_threshold(700, 10, 10)
    call_command("serve", "--no-worker", "--port", "0")
    assert seen["threshold"] == serve.GC_THRESHOLDS
    assert serve.GC_THRESHOLDS[0] > 700
    assert seen["frozen"] > 10_000  # Django, the apps, the settings: all of startup's objects
    assert seen["application"] is not None
