"""Property-based fuzzing of every HTTP endpoint (issue #20): generated bodies — lone surrogates,
huge strings, wrong types, missing fields, JSON nested thousands deep, garbage and half-valid
multipart — posted at every public and console route that chatdesk's URLconfs declare, by an
anonymous browser, a citizen with a chat token or a tracking session, and a signed-in official.

Never a 500 (Django's test client re-raises any exception a view lets through), and a refused
request (4xx) stores nothing (row counts of every case table unchanged).  The routes come from
``get_resolver()``, so an endpoint added later is fuzzed without anyone listing it; only
Django's own admin is left out (its forms are Django's, tested upstream).

Most generated bodies are near-valid: a real form of the page (parsed from its HTML) or a
JSON call's documented body with some fields kept, some dropped and some made nasty, so the
input gets past the first check into validation and the services.  Beside the sampling, a
deterministic sweep sets each field of each JSON call, one at a time, to each bad value.

Bounded: 4 examples per route (12 per JSON call), no deadline per example, derandomized (the
same cases every run); the file takes about 45 s on the shared two-core machine.
"""

import json
import re
from html.parser import HTMLParser
from urllib.parse import quote

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import URLResolver, get_resolver
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.security import world as W
from tests.support.documents import PDF

pytestmark = pytest.mark.django_db

SKIPPED_PREFIXES = ("admin/",)  # Django's admin: its own forms, not ours
EXAMPLES_PER_ROUTE = 4
EXAMPLES_PER_JSON_ROUTE = 12  # the JSON calls take typed values: more ways to be wrong


def _walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        else:
            yield prefix + str(p.pattern)


ROUTES = sorted(r for r in set(_walk(get_resolver().url_patterns)) if not r.startswith(SKIPPED_PREFIXES))

# Field names the desk's forms and JSON endpoints read (a generated body mixes them with others).
FIELDS = [
    "action", "body", "then", "status", "priority", "assignee", "to_unit", "reason", "code", "contact", "form_key",
    "challenge_token", "challenge_answer", "name", "mobile", "email", "unit", "message", "token", "client_id",
    "conversation_id", "subject", "service", "group", "national_code", "score", "comment", "username", "password",
    "form_id", "website", "about_unit", "person", "days", "day_part", "date", "time", "note", "files", "file",
    "hide_identity", "q", "page", "date_from", "date_to", "kind", "next", "last_seq",
]

# Text that breaks naive code: lone surrogates, NUL, bidi controls, huge, Persian, digits.
SURROGATE = st.sampled_from(["\ud800", "\udfff", "a\udc80b", "\ud83d"])
NASTY = st.one_of(
    st.text(max_size=40),
    SURROGATE,
    st.builds(lambda a, b: a + b, st.text(max_size=5), SURROGATE),
    st.sampled_from(["", " ", "\x00", "\u202e\u2066", "۰۹۱۲۱۱۱۲۲۳۳", "1" * 13, "-1", "0", "1e309", "NaN", "null", "[]", "{}"]),
    st.builds(lambda ch, n: ch * n, st.sampled_from(["ا", "x", "\u200c", "۹"]), st.sampled_from([300, 5000, 200_000])),
)


def _json_values():
    leaves = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), NASTY)
    return st.recursive(leaves, lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=8), inner, max_size=5)), max_leaves=12)


def _encode(text):
    return quote(str(text).encode("utf-8", "surrogatepass"), safe="")


@st.composite
def form_bodies(draw):
    fields = draw(st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=10), st.lists(NASTY, min_size=1, max_size=2), max_size=8))
    body = "&".join(f"{_encode(k)}={_encode(v)}" for k, values in fields.items() for v in values)
    return "application/x-www-form-urlencoded", body.encode("ascii")


@st.composite
def json_bodies(draw):
    kind = draw(st.sampled_from(["value", "object", "deep", "not_json"]))
    if kind == "deep":
        depth = draw(st.sampled_from([1000, 7000]))
        return "application/json", b"[" * depth + b"]" * depth
    if kind == "not_json":
        return "application/json", draw(st.binary(max_size=200))
    value = draw(_json_values() if kind == "value" else st.dictionaries(st.sampled_from(FIELDS), _json_values(), max_size=8))
    return "application/json", json.dumps(value).encode("ascii")


@st.composite
def multipart_bodies(draw):
    boundary = "fuzzBoundary7MA4YWxkTrZu0gW"
    if draw(st.booleans()):  # garbage: a declared boundary that the body does not keep
        return f"multipart/form-data; boundary={boundary}", draw(st.binary(max_size=400))
    parts = []
    for name, value in draw(st.dictionaries(st.sampled_from(FIELDS), NASTY, max_size=5)).items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode() + str(value).encode("utf-8", "surrogatepass") + b"\r\n")
    for _ in range(draw(st.integers(0, 2))):
        filename = draw(NASTY)
        content = draw(st.sampled_from([b"", b"%PDF-1.4\n", b"\xff\xd8\xff", b"<svg onload=alert(1)>", b"\x89PNG\r\n\x1a\n"])) + draw(st.binary(max_size=300))
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{draw(st.sampled_from(["files", "file", "x"]))}"; filename="'.encode()
            + str(filename).encode("utf-8", "surrogatepass").replace(b'"', b"") + b'"\r\nContent-Type: application/pdf\r\n\r\n' + content + b"\r\n"
        )
    end = draw(st.sampled_from([f"--{boundary}--\r\n".encode(), b"", f"--{boundary}".encode()]))
    return f"multipart/form-data; boundary={boundary}", b"".join(parts) + end


BODIES = st.one_of(form_bodies(), json_bodies(), multipart_bodies())


# --- near-valid bodies: a real form of the page (or a JSON call's documented body) with some
# fields kept, some dropped and some replaced by nasty values, so the generated input reaches the
# validation and the services instead of stopping at the first missing field.
class _Forms(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms, self._select = [], None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.forms.append({"method": (attrs.get("method") or "get").lower(), "fields": {}})
        elif not self.forms:
            return
        elif tag in ("input", "textarea") and attrs.get("name") and attrs["name"] != "csrfmiddlewaretoken":
            kind = attrs.get("type", "text")
            if kind == "file":
                self.forms[-1]["fields"][attrs["name"]] = FILE
            elif kind not in ("checkbox", "radio") or "checked" in attrs:
                self.forms[-1]["fields"].setdefault(attrs["name"], attrs.get("value") or "متن آزمایشی ۱۲۳")
        elif tag == "select" and attrs.get("name"):
            self._select = attrs["name"]
        elif tag == "option" and self._select and attrs.get("value"):
            self.forms[-1]["fields"].setdefault(self._select, attrs["value"])

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None


FILE = object()  # a file field: a real PDF, a disguised one or an empty one


def page_forms(client, path, headers):
    response = client.get(path, **headers)
    if response.status_code != 200 or "html" not in response.get("Content-Type", ""):
        return []
    parser = _Forms()
    parser.feed(response.content.decode("utf-8", "replace"))
    return [f["fields"] for f in parser.forms if f["method"] == "post" and f["fields"]]


def json_templates(world):
    return {
        "api/chat/start/": {"unit": world.unit_a.pk, "name": "سارا محمدی", "mobile": "09121112233", "email": "s@example.ir", "message": "سلام"},
        "api/chat/transcript/": {"token": world.token_a},
        "rate/chat/": {"token": world.token_a, "score": 5, "comment": "خوب بود"},
    }


WRONG_TYPES = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(), st.lists(st.integers(), max_size=2), st.just({"a": 1}))


@st.composite
def near_valid(draw, template, as_json):
    body = {}
    for name, value in template.items():
        action = draw(st.sampled_from(["keep", "keep", "drop", "nasty", "wrong"]))
        if action == "keep":
            body[name] = value
        elif action == "nasty":
            body[name] = draw(NASTY)
        elif action == "wrong" and as_json:
            body[name] = draw(WRONG_TYPES)
        elif action == "wrong":
            body[name] = [draw(NASTY), draw(NASTY)]
    if as_json:
        return "application/json", json.dumps(body).encode("ascii")
    boundary = "nearValidBoundary0123"
    parts = []
    for name, value in body.items():
        for item in value if isinstance(value, list) else [value]:
            if item is FILE:
                content = draw(st.sampled_from([PDF, b"", b"<svg onload=alert(1)>", PDF + b"<html>", b"\xff\xd8\xff\xe0broken"]))
                filename = draw(st.sampled_from(["نامه.pdf", "../../etc/passwd", "a\u202egpj.exe", "x" * 300]))
                parts.append(
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
                    f"Content-Type: application/pdf\r\n\r\n".encode() + content + b"\r\n"
                )
            else:
                parts.append(
                    f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
                    + str(item).encode("utf-8", "surrogatepass") + b"\r\n"
                )
    return f"multipart/form-data; boundary={boundary}", b"".join(parts) + f"--{boundary}--\r\n".encode()


def _fill(route, world, draw_value):
    """A concrete path: each ``<conv:name>`` becomes a real object's value or generated text."""
    real = {
        "ticket_id": world.ticket_a.pk, "attachment_id": world.chat_file_b.pk, "unit_id": world.unit_a.pk,
        "inbound_id": world.held_b.pk, "code": world.ticket_a.code, "token": W.link_token(world.ticket_a, "link"),
        "action": "offer", "what": "tickets", "fmt": "csv", "identifier": "x",
    }

    def value(match):
        converter, name = match.group(1), match.group(2)
        chosen = draw_value(name, real.get(name, 1), converter)
        return _encode(chosen) if converter == "str" else str(chosen)

    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", value, route)


@pytest.fixture
def world(settings, tmp_path, make_unit, make_official):
    settings.MEDIA_ROOT = tmp_path
    cache.clear()
    return W.build(make_unit, make_official)


def test_no_generated_request_breaks_an_endpoint_or_stores_a_refused_input(world):
    """One world for every route (building it is the slow part); each route gets its own
    Hypothesis run, so every route is fuzzed whatever happens to the others."""
    assert len(ROUTES) > 30  # the URLconfs were walked

    for route in ROUTES:
        fuzz_route(world, route)


def fuzz_route(world, route):
    @settings(max_examples=EXAMPLES_PER_JSON_ROUTE if route in json_templates(world) else EXAMPLES_PER_ROUTE, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(data=st.data())
    def attempt(data):
        cache.clear()  # the rate limits would refuse everything after a few examples
        who = data.draw(st.sampled_from(["anonymous", "chat_token", "tracking", "official"]), label="who")
        client = {"anonymous": Client, "official": lambda: W.staff(world.a), "tracking": lambda: W.tracking(world.ticket_a)}.get(who, Client)()
        headers = {"HTTP_X_CHAT_TOKEN": world.token_a} if who == "chat_token" else {}

        def draw_value(name, real, converter):
            generated = st.integers(0, 2**40) if converter == "int" else NASTY.filter(lambda s: "/" not in s and s not in (".", ".."))
            return data.draw(st.one_of(st.just(real), generated), label=name)

        path = _fill(route, world, draw_value)
        method = data.draw(st.sampled_from(["POST", "POST", "POST", "GET"]), label="method")
        templates = ([json_templates(world)[route]] if route in json_templates(world) else []) or page_forms(client, path, headers)
        if templates and data.draw(st.integers(0, 3), label="near_valid") > 0:  # mostly near-valid
            template = data.draw(st.sampled_from(templates), label="form")
            content_type, body = data.draw(near_valid(template, as_json=route in json_templates(world)), label="body")
        else:
            content_type, body = data.draw(BODIES, label="body")
        before = W.state_counts()
        if method == "GET":
            query = body.decode("ascii", "replace")[:4000] if content_type.endswith("urlencoded") else ""
            response = client.generic("GET", f"{path}?{query}", **headers)
        else:
            response = client.generic("POST", path, data=body, content_type=content_type, **headers)
        # /healthz answers 503 when a check fails (no worker runs in the tests): its contract.
        assert response.status_code < 500 or (route == "healthz" and response.status_code == 503), (path, response.status_code)
        if response.status_code >= 400:
            assert W.state_counts() == before, (path, response.status_code)

    attempt()


BAD_VALUES = ["\ud800", "ab\udfffcd", "", " ", None, True, 2**64, -1, 1.5, [], {}, "x" * 100_000, "\x00", [1, [2, [3]]]]


def test_every_field_of_every_json_call_with_every_bad_value(world):
    """A sweep beside the sampling: each field of each JSON call, one at a time, set to each
    bad value (and dropped), the rest valid; and each call's body nested 7,000 deep."""
    for route, template in json_templates(world).items():
        for name in template:
            for value in [*BAD_VALUES, DROP]:
                cache.clear()
                body = {k: v for k, v in template.items() if k != name}
                if value is not DROP:
                    body[name] = value
                before = W.state_counts()
                response = Client().post("/" + route, json.dumps(body), content_type="application/json")
                assert response.status_code < 500, (route, name, repr(value)[:40])
                if response.status_code >= 400:
                    assert W.state_counts() == before, (route, name, repr(value)[:40])
        deep = Client().post("/" + route, b"[" * 7000 + b"]" * 7000, content_type="application/json")
        assert deep.status_code == 400, route


DROP = object()
