"""Each gateway's client against a local server that speaks that gateway's documented API: the
request shape and authentication are checked by the server, and its documented answers (success,
wrong key, wrong number, server error, busy, timeout) are mapped to sent / dead letter / retry."""

import json
import urllib.parse

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from chatdesk.sms import gateways

KINDS = ["kavenegar", "ghasedak", "smsir"]
TEXT = "پرونده ۱۲۳۴-۵۶۷۸-۹۰۱۲۳ پاسخ داده شد.\nhttp://127.0.0.1:8000/track/1234567890123/"


@pytest.mark.parametrize("kind", KINDS)
def test_send_speaks_the_documented_request_and_persian_arrives_intact(gateway, kind):
    server = gateway(kind)
    result = gateways.get_gateway().send(to="09121234567", text=TEXT, ref="42")
    assert server.sent == [("09121234567", server.sender, TEXT)]
    assert result.provider_id and result.provider_id == str(server._next_id)
    request = server.requests[-1]
    assert request["method"] == "POST"
    headers = {k.lower(): v for k, v in request["headers"].items()}
    if kind == "kavenegar":
        assert request["path"] == f"/v1/{server.api_key}/sms/send.json"  # the key in the path
        form = urllib.parse.parse_qs(request["raw"].decode("utf-8"))
        assert form["receptor"] == ["09121234567"] and form["sender"] == [server.sender] and form["localid"] == ["42"]
        assert "apikey" not in headers
    elif kind == "ghasedak":
        assert request["path"] == "/Rest/api/v1/WebService/SendSingleSMS"
        assert headers["apikey"] == server.api_key
        body = json.loads(request["raw"])
        assert body["receptor"] == "09121234567" and body["lineNumber"] == server.sender and body["message"] == TEXT
    else:
        assert request["path"] == "/v1/send/bulk"
        assert headers["x-api-key"] == server.api_key
        body = json.loads(request["raw"])
        assert body == {"lineNumber": int(server.sender), "messageText": TEXT, "mobiles": ["09121234567"], "sendDateTime": None}


@pytest.mark.parametrize("kind", KINDS)
def test_a_wrong_api_key_is_permanent(gateway, kind):
    gateway(kind)
    config = {**settings.SMS, "API_KEY": "not-the-key"}
    with pytest.raises(gateways.PermanentError):
        gateways.get_gateway(config).send(to="09121234567", text="سلام")


@pytest.mark.parametrize("kind", KINDS)
def test_a_number_the_gateway_refuses_is_permanent(gateway, kind):
    server = gateway(kind)
    with pytest.raises(gateways.PermanentError):
        gateways.get_gateway().send(to="0912123", text="سلام")
    assert server.sent == []


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("mode", ["fail", "busy", "timeout"])
def test_server_errors_rate_limits_and_timeouts_are_passing(gateway, kind, mode):
    server = gateway(kind)
    server.mode = mode
    server.delay = 1.5  # over the client's 0.5 s timeout
    with pytest.raises(gateways.TemporaryError):
        gateways.get_gateway().send(to="09121234567", text="سلام")
    assert server.sent == []


def test_nothing_listening_is_passing(settings):
    settings.SMS = {**settings.SMS, "BACKEND": "kavenegar", "API_URL": "http://127.0.0.1:9", "API_KEY": "x", "TIMEOUT": 0.5}
    with pytest.raises(gateways.TemporaryError):
        gateways.get_gateway().send(to="09121234567", text="سلام")


@pytest.mark.parametrize(
    "kind, delivered, undelivered, pending",
    [("kavenegar", 10, 11, 4), ("ghasedak", 14, 13, 10), ("smsir", 1, 2, 3)],
)
def test_delivery_reports_map_the_gateways_own_codes(gateway, kind, delivered, undelivered, pending):
    server = gateway(kind)
    client = gateways.get_gateway()
    ids = [client.send(to="09121234567", text=f"پیام {i}").provider_id for i in range(3)]
    server.delivery.update({ids[0]: delivered, ids[1]: undelivered, ids[2]: pending})
    states = {pid: state for pid, (state, _detail) in client.delivery(ids).items()}
    assert states[ids[0]] == gateways.DELIVERED
    assert states[ids[1]] == gateways.UNDELIVERED
    assert states.get(ids[2], gateways.PENDING) == gateways.PENDING


def test_the_file_backend_writes_each_sms_to_a_file(sms_files):
    result = gateways.get_gateway().send(to="09121234567", text="سلام، کد پیگیری ۱۲۳۴", ref="7")
    written = (sms_files / result.provider_id).read_text(encoding="utf-8")
    assert "To: 09121234567" in written and "سلام، کد پیگیری ۱۲۳۴" in written


def test_an_unknown_backend_is_refused_at_once():
    with pytest.raises(ValueError):
        gateways.get_gateway({"BACKEND": "carrier-pigeon"})


def test_the_test_command_reports_acceptance_and_refusal(gateway, capsys):
    server = gateway("kavenegar")
    call_command("sms_send_test", "۰۹۱۲۱۲۳۴۵۶۷")
    assert "accepted, gateway id" in capsys.readouterr().out
    assert server.sent[-1][0] == "09121234567"
    server.api_key = "another-key"
    with pytest.raises(CommandError, match="permanent"):
        call_command("sms_send_test", "09121234567")
