"""The Bale channel's entry points: the worker jobs (settings.WORKER_JOBS), the webhook's store
and the set-up calls of ``manage.py bale_poll`` / ``bale_webhook`` (docs/operations.md#bale).

Every job does nothing unless ``CHATDESK_BALE_TOKEN`` is set and ``CHATDESK_BALE_MODE`` is
``webhook`` or ``polling``."""

import logging

from django.conf import settings

from chatdesk.core import clock

from . import client, inbound, outbound

log = logging.getLogger("chatdesk.bale")

enabled = outbound.enabled


def mode():
    return settings.BALE["MODE"] if enabled() else "off"


def update_store(*, payload):
    """Store an update the webhook received (before it is acknowledged); ``(row, created)``."""
    return inbound.store(payload)


def bale_poll(*, now=None, timeout=0):
    """Worker job (polling mode): one ``getUpdates`` without waiting (the worker's loop is the
    wait; ``manage.py bale_poll`` long-polls instead).  Returns how many new updates were stored."""
    if mode() != "polling":
        return 0
    try:
        return inbound.poll(timeout=timeout)
    except client.BaleError as error:
        log.warning("bale getUpdates failed: %s", error)
        return 0


def bale_process_due(*, now=None):
    """Worker job: process the stored updates, each once."""
    if not enabled():
        return 0
    return inbound.process_due(now=now or clock.now())


def bale_send_due(*, now=None):
    """Worker job: send the outbound queue (retries with backoff, once)."""
    return outbound.send_due(now=now or clock.now())


def webhook_set(*, url):
    """Tell Bale where to deliver updates (``setWebhook``; the URL carries the secret segment)."""
    return client.call("setWebhook", {"url": url})


def webhook_delete():
    """Stop webhook delivery (needed before ``getUpdates`` works again)."""
    return client.call("deleteWebhook")
