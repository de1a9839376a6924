"""The deployment samples in deploy/, run for real: nginx with deploy/nginx/chatdesk.conf (TLS
with a throw-away certificate, ports and paths replaced) in front of two server processes started
with the command line of deploy/systemd/chatdesk-server@.service and the environment of
deploy/chatdesk.env (one on uvicorn, one on daphne), over PostgreSQL and Redis.

Through nginx: a citizen and an official chat over WebSockets (wss), a static file comes from
collectstatic's output without reaching the application, the citizen's address (not nginx's, not
a forged X-Forwarded-For) is what the application stores, and the servers write JSON log lines.
"""

import asyncio
import http.client
import json
import re
import shlex
import shutil
import ssl
import subprocess
import sys
import time
import urllib.parse
from http.cookies import SimpleCookie
from pathlib import Path

import pytest
from websockets.asyncio.client import connect as ws_connect

from tests.support import servers

pytestmark = pytest.mark.integration

DEPLOY = servers.PROJECT_ROOT / "deploy"
CLIENT_ADDRESS = "127.0.0.2"  # the "citizen" connects from another loopback address than nginx's
FORGED = "203.0.113.66"


def nginx_binary():
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if not found:
        pytest.fail("nginx is not installed (make test installs it: `make nginx`)", pytrace=False)
    return found


def env_file(path):
    env = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            env[key.strip()] = value.strip()
    return env


def server_argv(port):
    """ExecStart of the server unit, for this checkout's interpreter and a given port."""
    unit = (DEPLOY / "systemd" / "chatdesk-server@.service").read_text()
    exec_start = re.search(r"^ExecStart=(.+)$", unit, re.M).group(1)
    argv = shlex.split(exec_start.replace("%i", str(port)))
    assert argv[0].endswith("/python") and argv[1] == "manage.py", argv
    return [servers.PYTHON, servers.MANAGE, *argv[2:]]


def render(conf, replacements):
    for old, new in replacements.items():
        assert conf.count(old) == 1, f"{old!r} should appear once in deploy/nginx/chatdesk.conf"
        conf = conf.replace(old, new)
    return conf


class Https:
    """A tiny HTTPS client from CLIENT_ADDRESS with a cookie jar (the certificate is ours)."""

    def __init__(self, port, ctx):
        self.port, self.ctx, self.cookies = port, ctx, {}
        self.origin = f"https://127.0.0.1:{port}"

    def request(self, method, path, body=None, headers=None):
        conn = http.client.HTTPSConnection("127.0.0.1", self.port, context=self.ctx, timeout=10, source_address=(CLIENT_ADDRESS, 0))
        headers = {"Origin": self.origin, "Referer": self.origin + path, **(headers or {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if "csrftoken" in self.cookies and method != "GET":
            headers["X-CSRFToken"] = self.cookies["csrftoken"]
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        data = response.read()
        for value in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(value).items():
                self.cookies[name] = morsel.value
        conn.close()
        return response, data


@pytest.fixture
def deployment(processes, it_env, tmp_path):
    """nginx in front of a uvicorn and a daphne server, configured from deploy/."""
    nginx = nginx_binary()
    env = env_file(DEPLOY / "chatdesk.env")
    assert env["CHATDESK_PROXY_HEADERS"] == "1" and env["CHATDESK_LOG_FORMAT"] == "json"
    http_port, https_port = servers.free_port(), servers.free_port()
    static_root = tmp_path / "staticfiles"
    env.update(
        {k: it_env["env"][k] for k in ("DATABASE_URL", "REDIS_URL", "CHANNEL_LAYER_PREFIX", "CHAT_CHATS_PER_HOUR_PER_ADDRESS", "CHATDESK_FAST_HASHER")},
        ALLOWED_HOSTS="127.0.0.1,localhost",
        CSRF_TRUSTED_ORIGINS=f"https://127.0.0.1:{https_port}",
        STATIC_ROOT=str(static_root),
        CHATDESK_VAR_DIR=str(tmp_path / "var"),
        CHATDESK_ACCESS_LOG="1",
    )
    servers.manage("collectstatic", "--noinput", "-v0", env={**it_env["env"], **env})

    ports = [servers.free_port(), servers.free_port()]
    started = [
        processes.start("uvicorn", server_argv(ports[0]), port=ports[0], env={**env, "CHATDESK_SERVER": "uvicorn"}, wait=False),
        processes.start("daphne", server_argv(ports[1]), port=ports[1], env={**env, "CHATDESK_SERVER": "daphne"}, wait=False),
    ]

    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=127.0.0.1",
         "-keyout", str(tmp_path / "key.pem"), "-out", str(tmp_path / "cert.pem")],
        check=True, capture_output=True, timeout=60,
    )
    conf = render(
        (DEPLOY / "nginx" / "chatdesk.conf").read_text(),
        {
            "server 127.0.0.1:8001": f"server 127.0.0.1:{ports[0]}",
            "server 127.0.0.1:8002": f"server 127.0.0.1:{ports[1]}",
            "listen 80;\n    listen [::]:80;": f"listen 127.0.0.1:{http_port};",
            "listen 443 ssl http2;\n    listen [::]:443 ssl http2;": f"listen 127.0.0.1:{https_port} ssl http2;",
            "/etc/ssl/chatdesk/fullchain.pem": str(tmp_path / "cert.pem"),
            "/etc/ssl/chatdesk/privkey.pem": str(tmp_path / "key.pem"),
            "/srv/chatdesk/var/staticfiles/": f"{static_root}/",
            "/var/www/letsencrypt": str(tmp_path / "acme"),
        },
    )
    (tmp_path / "chatdesk.conf").write_text(conf)
    for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp_path / f"nginx-{name}").mkdir()
    import os

    (tmp_path / "nginx.conf").write_text(
        f"""
{'user root;' if os.geteuid() == 0 else ''}
worker_processes 1;
daemon off;
pid {tmp_path}/nginx.pid;
error_log {tmp_path}/nginx-error.log info;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log {tmp_path}/nginx-access.log;
    client_body_temp_path {tmp_path}/nginx-body;
    proxy_temp_path {tmp_path}/nginx-proxy;
    fastcgi_temp_path {tmp_path}/nginx-fastcgi;
    uwsgi_temp_path {tmp_path}/nginx-uwsgi;
    scgi_temp_path {tmp_path}/nginx-scgi;
    include {tmp_path}/chatdesk.conf;
}}
"""
    )
    check = subprocess.run([nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    proxy = processes.start("nginx", [nginx, "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")], wait=False)
    for process in started:
        process.wait_ready(timeout=40)
    deadline = time.monotonic() + 10
    while not servers.port_open("127.0.0.1", https_port):
        assert proxy.alive and time.monotonic() < deadline, proxy.log_text() + (tmp_path / "nginx-error.log").read_text()
        time.sleep(0.05)
    ctx = ssl.create_default_context()
    ctx.check_hostname = False
    ctx.verify_mode = ssl.CERT_NONE
    yield {"https": https_port, "http": http_port, "ctx": ctx, "servers": started, "static_root": static_root, "tmp": tmp_path}


async def test_chat_static_files_and_client_address_through_nginx(deployment, database, unit_id, password):
    port, ctx = deployment["https"], deployment["ctx"]

    # plain HTTP is sent to HTTPS
    conn = http.client.HTTPConnection("127.0.0.1", deployment["http"], timeout=5)
    conn.request("GET", "/api/units/1/state/", headers={"Host": "desk.example.ir"})
    response = conn.getresponse()
    assert response.status == 301 and response.headers["Location"] == "https://desk.example.ir/api/units/1/state/"

    # static files: nginx serves collectstatic's output itself
    citizen_http = Https(port, ctx)
    response, body = await asyncio.to_thread(citizen_http.request, "GET", "/static/js/widget.js")
    assert response.status == 200
    assert body == (servers.APP_DIR / "static" / "js" / "widget.js").read_bytes()
    assert response.headers["Server"].startswith("nginx") and "max-age=604800" in response.headers["Cache-Control"]
    assert response.headers["Expires"]  # nginx's `expires`; the application sends no such header

    # health through the proxy
    response, body = await asyncio.to_thread(citizen_http.request, "GET", "/healthz?checks=database,channel_layer")
    assert response.status == 200, body

    # a citizen starts chats (round robin: both servers answer one); the stored address is the
    # citizen's, whatever X-Forwarded-For the citizen sent
    response, _ = await asyncio.to_thread(citizen_http.request, "GET", "/")
    assert response.status == 200
    chats = []
    for i in range(2):
        response, body = await asyncio.to_thread(
            citizen_http.request, "POST", "/api/chat/start/",
            json.dumps({"unit": unit_id, "name": f"شهروند پشت پراکسی {i}"}).encode(),
            {"Content-Type": "application/json", "X-Forwarded-For": FORGED},
        )
        assert response.status == 201, body
        chats.append(json.loads(body))
    addresses = database.query("SELECT ip_address::text AS ip FROM chats_conversation WHERE id = ANY(%s)", ([c["conversation_id"] for c in chats],))
    assert [a["ip"].split("/")[0] for a in addresses] == [CLIENT_ADDRESS, CLIENT_ADDRESS]

    # an official logs in through nginx
    official_http = Https(port, ctx)
    await asyncio.to_thread(official_http.request, "GET", "/console/login/")
    response, body = await asyncio.to_thread(
        official_http.request, "POST", "/console/login/",
        urllib.parse.urlencode({"username": "it_first", "password": password, "csrfmiddlewaretoken": official_http.cookies["csrftoken"]}).encode(),
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status == 302 and "sessionid" in official_http.cookies, body[:500]

    async def socket(path, cookie=None):
        return await ws_connect(
            f"wss://127.0.0.1:{port}{path}", ssl=ctx, origin=f"https://127.0.0.1:{port}",
            additional_headers={"Cookie": cookie} if cookie else None, local_addr=(CLIENT_ADDRESS, 0),
            proxy=None, open_timeout=5, compression="deflate",
        )

    async def until(ws, pred, timeout=10):
        async with asyncio.timeout(timeout):
            while True:
                frame = json.loads(await ws.recv())
                if pred(frame):
                    return frame

    chat = chats[0]
    async with asyncio.timeout(40):
        async with await socket("/ws/console/", f"sessionid={official_http.cookies['sessionid']}") as console:
            await until(console, lambda f: f["type"] == "welcome")
            await console.send(json.dumps({"type": "duty.set", "status": "available"}))
            await until(console, lambda f: f["type"] == "duty")
            await console.send(json.dumps({"type": "chat.take", "conversation_id": chat["conversation_id"]}))
            assert (await until(console, lambda f: f["type"] in ("take.ok", "error")))["type"] == "take.ok"
            async with await socket("/ws/chat/") as citizen:
                await citizen.send(json.dumps({"type": "hello", "token": chat["token"], "last_seq": 0}))
                await until(citizen, lambda f: f["type"] == "welcome")
                await citizen.send(json.dumps({"type": "message.send", "client_id": "proxy-1", "body": "سلام از پشت nginx"}))
                ack = await until(citizen, lambda f: f["type"] == "ack")
                got = await until(console, lambda f: f["type"] == "message" and f["message"]["client_id"] == "proxy-1")
                assert got["message"]["seq"] == ack["seq"] and got["message"]["body"] == "سلام از پشت nginx"
                await console.send(json.dumps({"type": "message.send", "conversation_id": chat["conversation_id"], "client_id": "proxy-2", "body": "پاسخ کارشناس"}))
                got = await until(citizen, lambda f: f["type"] == "message" and f["message"]["client_id"] == "proxy-2")
                assert got["message"]["sender"] == "official"
                # an idle socket through nginx: the server's pings keep it open
                await citizen.ping()

    # structured logs: the servers wrote JSON lines, and uvicorn's access lines show the citizen
    lines = {}
    for process in deployment["servers"]:
        # every log line is one JSON object (the command's own two start-up lines are on stdout)
        lines[process.name] = [json.loads(line) for line in process.log_text().splitlines() if line.startswith("{")]
    assert lines["uvicorn"], deployment["servers"][0].log_text()[-2000:]
    # (the readiness probes went to the server directly, not through nginx)
    access = [line for line in lines["uvicorn"] if line["logger"] == "uvicorn.access" and "/healthz?checks=" not in line["msg"]]
    assert access and all(CLIENT_ADDRESS in line["msg"] for line in access), access[:3]
    assert all(line.get("client") == CLIENT_ADDRESS for line in access if "client" in line)
    assert not any(FORGED in json.dumps(line) for name in lines for line in lines[name])
