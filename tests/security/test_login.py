"""Staff sign-in: lock-out after repeated failures (console and admin), the Persian message,
session idle and absolute limits, Argon2 in production and a clean ``check --deploy``."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.test import Client, override_settings

from chatdesk.core import auth

ROOT = Path(__file__).resolve().parents[2]
LOCKED = "موقتاً بسته شده است"
LIMITS = {"USERNAME_FAILURES": 5, "ADDRESS_FAILURES": 8, "WINDOW": 900, "LOCK_SECONDS": 900}


@pytest.fixture(autouse=True)
def _clean_cache():
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def staff(db):
    return get_user_model().objects.create_user(username="rezaei", password="right-password", is_staff=True)


def login(client, username, password, address="10.0.0.1", url="/console/login/"):
    return client.post(url, {"username": username, "password": password}, REMOTE_ADDR=address)


def signed_in(client):
    return "_auth_user_id" in client.session


@override_settings(LOGIN_LOCKOUT=LIMITS)
def test_five_failures_lock_the_username_even_for_the_right_password(staff):
    client = Client()
    for _ in range(4):
        response = login(client, "rezaei", "wrong")
        assert "نام کاربری یا گذرواژه درست نیست" in response.content.decode()
    response = login(client, "rezaei", "wrong")  # the fifth: locked from now on
    assert LOCKED in response.content.decode() and "۱۵ دقیقه" in response.content.decode()
    # the right password from another address is refused while the lock lasts
    response = login(client, "rezaei", "right-password", address="10.0.0.2")
    assert LOCKED in response.content.decode() and not signed_in(client)
    # case does not dodge the lock
    assert LOCKED in login(client, "REZAEI", "right-password", address="10.0.0.3").content.decode()


@override_settings(LOGIN_LOCKOUT=LIMITS)
def test_the_lock_ends_after_its_time(staff, monkeypatch):
    client = Client()
    for _ in range(5):
        login(client, "rezaei", "wrong")
    assert 890 < auth.lock_remaining("rezaei", "10.0.0.1") <= 901
    later = time.time() + 901
    monkeypatch.setattr(time, "time", lambda: later)  # the cache's clock too
    assert auth.lock_remaining("rezaei", "10.0.0.1") == 0
    login(client, "rezaei", "right-password")
    assert signed_in(client)


def test_clear_lockout_lifts_a_lock_by_hand(staff):
    client = Client()
    for _ in range(5):
        login(client, "rezaei", "wrong")
    auth.clear_lockout(username="rezaei")
    login(client, "rezaei", "right-password")
    assert signed_in(client)


@override_settings(LOGIN_LOCKOUT=LIMITS)
def test_one_address_guessing_many_usernames_is_locked(staff):
    client = Client()
    for i in range(8):
        login(client, f"user{i}", "guess", address="10.9.9.9")
    # the address is locked: not even a real account signs in from it
    response = login(client, "rezaei", "right-password", address="10.9.9.9")
    assert LOCKED in response.content.decode() and not signed_in(client)
    # another address is not affected
    login(client, "rezaei", "right-password", address="10.0.0.7")
    assert signed_in(client)


@override_settings(LOGIN_LOCKOUT=LIMITS)
def test_a_successful_login_does_not_reset_the_address_count(staff, db):
    """An attacker with one account of their own cannot wipe the count of the address they
    guess from by signing in between guesses."""
    get_user_model().objects.create_user(username="attacker", password="own-password")
    for round_ in range(4):
        for i in range(2):
            login(Client(), f"victim{round_}{i}", "guess", address="10.6.6.6")
        attacker = Client()
        response = login(attacker, "attacker", "own-password", address="10.6.6.6")
        if round_ < 3:
            assert signed_in(attacker)
    # 8 failures from the address in all: locked despite the successful logins in between
    assert LOCKED in response.content.decode()


@override_settings(LOGIN_LOCKOUT=LIMITS)
def test_a_successful_login_resets_the_username_count(staff):
    client = Client()
    for _ in range(4):
        login(client, "rezaei", "wrong")
    login(client, "rezaei", "right-password")
    assert signed_in(client)
    client.logout()
    for _ in range(4):  # four more do not lock: the count started again
        login(client, "rezaei", "wrong", address="10.0.0.2")
    login(client, "rezaei", "right-password", address="10.0.0.2")
    assert signed_in(client)


@override_settings(LOGIN_LOCKOUT=LIMITS)
def test_the_admin_login_is_locked_too_with_the_persian_message(staff):
    client = Client()
    for _ in range(5):
        login(client, "rezaei", "wrong", url="/admin/login/")
    response = login(client, "rezaei", "right-password", url="/admin/login/")
    assert response.status_code == 200 and LOCKED in response.content.decode()
    assert not signed_in(client)


@override_settings(TRUSTED_PROXY_COUNT=1)
def test_behind_one_proxy_the_address_is_the_last_forwarded_one(rf):
    request = rf.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="6.6.6.6, 203.0.113.5")
    assert auth.client_address(request) == "203.0.113.5"  # the client cannot forge the right end


def test_without_a_trusted_proxy_the_forwarded_header_is_ignored(rf):
    request = rf.get("/", REMOTE_ADDR="198.51.100.2", HTTP_X_FORWARDED_FOR="6.6.6.6")
    assert auth.client_address(request) == "198.51.100.2"


# --- session lifetime ------------------------------------------------------------------------
@override_settings(SESSION_IDLE_SECONDS=600, SESSION_ABSOLUTE_SECONDS=3600)
def test_an_idle_session_is_signed_out(staff, monkeypatch):
    client = Client()
    login(client, "rezaei", "right-password")
    assert signed_in(client)
    now = time.time()
    monkeypatch.setattr(auth.time, "time", lambda: now + 300)
    assert client.get("/admin/").status_code == 200  # active: still in
    monkeypatch.setattr(auth.time, "time", lambda: now + 300 + 601)
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
    assert not signed_in(client)


@override_settings(SESSION_IDLE_SECONDS=600, SESSION_ABSOLUTE_SECONDS=3600)
def test_an_old_session_is_signed_out_however_active(staff, monkeypatch):
    client = Client()
    login(client, "rezaei", "right-password")
    start = time.time()
    for minutes in range(5, 60, 5):  # a request every five minutes for an hour
        monkeypatch.setattr(auth.time, "time", lambda m=minutes: start + m * 60)
        assert client.get("/admin/").status_code == 200
    monkeypatch.setattr(auth.time, "time", lambda: start + 3601)
    assert client.get("/admin/").status_code == 302
    assert not signed_in(client)


# --- production settings ---------------------------------------------------------------------
PRODUCTION_ENV = {
    "CHATDESK_PRODUCTION": "1",
    "SECRET_KEY": "k" * 10 + "9f3Jq-Lw2_zX8pRt6yVb4NcMe1HsUo0aGdKiQ7lTnWfYjE5rZ",
    "ALLOWED_HOSTS": "desk.example.ir",
    "CSRF_TRUSTED_ORIGINS": "https://desk.example.ir",
    "DJANGO_SETTINGS_MODULE": "chatdesk.settings",
}


def _production_env(**extra):
    env = {k: v for k, v in os.environ.items() if k not in ("DEBUG", "CHATDESK_FAST_HASHER", "SECRET_KEY", "DJANGO_SETTINGS_MODULE")}
    env.update(PRODUCTION_ENV, **extra)
    return env


def test_check_deploy_is_clean_under_production_settings(tmp_path):
    env = _production_env(CHATDESK_VAR_DIR=str(tmp_path))
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues (0 silenced)" in result.stdout


def test_production_refuses_the_development_secret_key(tmp_path):
    env = _production_env(CHATDESK_VAR_DIR=str(tmp_path))
    del env["SECRET_KEY"]
    result = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode != 0 and "SECRET_KEY" in result.stderr


def test_production_hashes_with_argon2_and_sets_secure_cookies(tmp_path):
    code = (
        "from django.conf import settings as s; from django.contrib.auth.hashers import make_password;"
        "print(make_password('x').split('$')[0]); print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT,"
        " s.SECURE_HSTS_SECONDS >= 31536000, s.SECURE_PROXY_SSL_HEADER)"
    )
    env = _production_env(CHATDESK_VAR_DIR=str(tmp_path))
    result = subprocess.run([sys.executable, "manage.py", "shell", "-v", "0", "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.split("\n")
    assert lines[0] == "argon2"
    assert lines[1] == "True True True True ('HTTP_X_FORWARDED_PROTO', 'https')"
