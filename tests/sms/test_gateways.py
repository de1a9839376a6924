"""Each gateway's client against a local server that speaks that gateway's documented API: the
request shape and authentication are checked by the server, and its documented answers (success,
wrong key, wrong number, server error, busy, timeout) are mapped to sent / dead letter / retry."""

import json
import urllib.error
import urllib.parse
import urllib.request

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
        assert request["path"] == "/rest/api/v1/WebService/SendSingleSMS"
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


# --- what the providers' documentation and official SDKs say (sources: chatdesk/sms/gateways.py) ---
def test_ghasedak_asks_for_status_with_repeated_ids_and_reads_the_list_it_answers(gateway):
    server = gateway("ghasedak")
    client = gateways.get_gateway()
    ids = [client.send(to="09121234567", text=f"پیام {i}").provider_id for i in range(2)]
    server.delivery.update({ids[0]: 14, ids[1]: 16})
    states = client.delivery([*ids, "999"])  # 999: never sent, left out of the answer
    assert states == {ids[0]: (gateways.DELIVERED, "status 14"), ids[1]: (gateways.UNDELIVERED, "status 16")}
    request = server.requests[-1]
    assert request["method"] == "GET" and request["path"] == "/rest/api/v1/WebService/CheckSmsStatus"
    assert request["query"] == {"Type": ["1"], "Ids": [*ids, "999"]}  # Ids=a&Ids=b, as the SDKs build it


def test_ghasedak_answers_in_the_documentations_pascal_case_are_read_too(gateway):
    server = gateway("ghasedak")
    server.pascal_case = True
    client = gateways.get_gateway()
    pid = client.send(to="09121234567", text="سلام").provider_id
    assert pid == str(server._next_id)
    server.delivery[pid] = 13
    assert client.delivery([pid]) == {pid: (gateways.UNDELIVERED, "status 13")}
    with pytest.raises(gateways.PermanentError) as refused:
        client.send(to="0912", text="سلام")
    assert refused.value.code == 400


def test_smsir_status_codes_decide_dead_letter_or_retry(gateway):
    server = gateway("smsir")
    client = gateways.get_gateway()
    with pytest.raises(gateways.PermanentError) as wrong_key:
        gateways.get_gateway({**settings.SMS, "API_KEY": "other"}).send(to="09121234567", text="سلام")
    assert wrong_key.value.code == 10
    with pytest.raises(gateways.PermanentError) as bad_mobile:
        client.send(to="0912123", text="سلام")
    assert bad_mobile.value.code == 104
    with pytest.raises(gateways.PermanentError) as bad_line:
        gateways.get_gateway({**settings.SMS, "SENDER": "30001"}).send(to="09121234567", text="سلام")
    assert bad_line.value.code == 101
    server.mode = "credit"  # an empty account: retried until an admin tops it up
    with pytest.raises(gateways.TemporaryError) as credit:
        client.send(to="09121234567", text="سلام")
    assert credit.value.code == 102
    server.mode = "busy"
    with pytest.raises(gateways.TemporaryError) as busy:
        client.send(to="09121234567", text="سلام")
    assert busy.value.code == 20
    assert server.sent == []


def test_smsir_report_without_a_state_is_pending_and_an_unknown_id_is_skipped(gateway):
    server = gateway("smsir")
    client = gateways.get_gateway()
    sent = [client.send(to="09121234567", text=f"پیام {i}").provider_id for i in range(3)]
    server.delivery.update({sent[1]: 7, sent[2]: 5})  # sent[0]: no report yet (null)
    assert client.delivery([*sent, "12345"]) == {
        sent[1]: (gateways.UNDELIVERED, "deliveryState 7"), sent[2]: (gateways.PENDING, "deliveryState 5"),
    }
    assert [r["path"] for r in server.requests[-4:]] == [f"/v1/send/{i}" for i in [*sent, "12345"]]


def _raw(server, path, body, headers):
    request = urllib.request.Request(server.root + path, data=json.dumps(body).encode(), method="POST", headers={"Content-Type": "application/json", **headers})
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_the_local_servers_take_what_the_official_sdks_send_and_refuse_a_misspelt_field(gateway):
    """The servers are not stricter than the services: the official SMS.ir Python SDK writes
    ``MessageText``/``Mobiles`` to ``/v1/send/bulk/``, the Ghasedak C# SDK PascalCase names to
    ``/rest/...``; a misspelt name reads as missing, as it would there."""
    smsir = gateway("smsir")
    key = {"X-API-KEY": smsir.api_key}
    status, answer = _raw(smsir, "/v1/send/bulk/", {"lineNumber": int(smsir.sender), "MessageText": "سلام", "Mobiles": ["09121234567"]}, key)
    assert (status, answer["status"]) == (200, 1)
    status, answer = _raw(smsir, "/v1/send/bulk", {"lineNumber": int(smsir.sender), "text": "سلام", "mobiles": ["09121234567"]}, key)
    assert (status, answer["status"]) == (400, 103)
    ghasedak = gateway("ghasedak")
    key = {"ApiKey": ghasedak.api_key}
    status, answer = _raw(ghasedak, "/rest/api/v1/WebService/SendSingleSMS", {"LineNumber": ghasedak.sender, "Receptor": "09121234567", "Message": "سلام", "Udh": False}, key)
    assert status == 200 and answer["isSuccess"] is True
    status, answer = _raw(ghasedak, "/rest/api/v1/WebService/SendSingleSMS", {"lineNumber": ghasedak.sender, "mobile": "09121234567", "message": "سلام"}, key)
    assert status == 400 and answer["isSuccess"] is False
