"""The background worker: a loop over the jobs named in ``settings.WORKER_JOBS``.

All state lives in the database rows the jobs sweep, so any number of workers may run, a killed
worker loses nothing, and a restarted one carries on (design: "the database is the mailbox").
"""

import logging
import os
import socket
import threading
import time

from django.conf import settings
from django.db import close_old_connections
from django.db.models import F
from django.utils import timezone
from django.utils.module_loading import import_string

from . import clock
from .models import WorkerHeartbeat

log = logging.getLogger("chatdesk.worker")


def jobs():
    return [(path, import_string(path)) for path in settings.WORKER_JOBS]


def run_once(name=None):
    """Run every job once; a failing job is logged and does not stop the others."""
    ran = 0
    for path, job in jobs():
        try:
            job(now=clock.now())
            ran += 1
        except Exception:
            log.exception("worker job %s failed", path)
        finally:
            close_old_connections()
    if name:
        beat(name, ran)
    return ran


def beat(name, ran=0):
    """Write this worker's heartbeat (wall-clock time, not the business clock ``clock.now()``,
    which tests may freeze: /healthz compares it with the real time)."""
    try:
        now = timezone.now()
        if not WorkerHeartbeat.objects.filter(name=name).update(beat_at=now, jobs_run=F("jobs_run") + ran):
            WorkerHeartbeat.objects.get_or_create(name=name, defaults={"beat_at": now, "jobs_run": ran})
    except Exception:
        log.warning("heartbeat failed", exc_info=True)
    finally:
        close_old_connections()


def default_name():
    return f"{socket.gethostname()}:{os.getpid()}"


def run_forever(stop_event=None, interval=None, name=None):
    interval = settings.WORKER_INTERVAL_SECONDS if interval is None else interval
    name = name or default_name()
    stop_event = stop_event or threading.Event()
    log.info("worker %s started (%s jobs, every %.1fs)", name, len(settings.WORKER_JOBS), interval)
    while not stop_event.is_set():
        started = time.monotonic()
        run_once(name)
        stop_event.wait(max(0.05, interval - (time.monotonic() - started)))
    log.info("worker %s stopped", name)


def start_in_thread(interval=None):
    """The embedded worker: a daemon thread inside the server process."""
    stop = threading.Event()
    thread = threading.Thread(target=run_forever, kwargs={"stop_event": stop, "interval": interval, "name": default_name() + ":embedded"}, daemon=True, name="chatdesk-worker")
    thread.start()
    return thread, stop
