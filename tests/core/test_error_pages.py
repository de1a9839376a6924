"""Every error page, public and console, is Persian, right to left, in the portal's layout and
offers a way back, with DEBUG off as in production (issue #16)."""

import re

import pytest
from django.test import Client, RequestFactory
from django.views import defaults

from chatdesk.core.persian import to_persian_digits

pytestmark = pytest.mark.django_db

LATIN_WORDS = re.compile(r"\b(Not Found|Forbidden|Bad Request|Server Error|CSRF|requested resource)\b")


@pytest.fixture(autouse=True)
def production(settings):
    settings.DEBUG = False
    settings.ALLOWED_HOSTS = ["testserver"]


def assert_persian_error_page(response, status, *, back):
    assert response.status_code == status
    page = response.content.decode()
    assert '<html lang="fa" dir="rtl">' in page
    assert 'data-role="error-page"' in page and f'data-status="{status}"' in page
    assert to_persian_digits(status) in page
    assert 'class="portal-header"' in page and 'data-role="site-nav"' in page  # the site's layout
    assert f'href="{back}"' in page  # a way back
    assert not LATIN_WORDS.search(page), LATIN_WORDS.search(page)
    return page


@pytest.mark.parametrize("url", ["/no-such-page/", "/services/nope/", "/requests/new/", "/requests/new/?service=99999999", "/track/1234/files/9/"])
def test_public_404s_are_persian(url):
    page = assert_persian_error_page(Client().get(url), 404, back="/")
    assert "یافت نشد" in page


def test_console_404_leads_back_to_the_console(make_official, unit):
    official = make_official("a", [unit])
    client = Client()
    client.force_login(official.user)
    page = assert_persian_error_page(client.get("/console/tickets/999999/"), 404, back="/console/")
    assert "بازگشت به کنسول" in page


def test_csrf_failure_is_persian():
    response = Client(enforce_csrf_checks=True).post("/track/", {"code": "1", "contact": "x"})
    page = assert_persian_error_page(response, 403, back="/")
    assert "فرم منقضی شده" in page


def test_403_400_and_500_pages_are_persian():
    request = RequestFactory().get("/somewhere/")
    from django.core.exceptions import PermissionDenied

    assert_persian_error_page(defaults.permission_denied(request, PermissionDenied()), 403, back="/")
    assert_persian_error_page(defaults.server_error(request), 500, back="/")
    assert_persian_error_page(defaults.bad_request(request, Exception()), 400, back="/")
    # a real bad request: a host the desk does not serve
    assert_persian_error_page(Client().get("/", HTTP_HOST="evil.example"), 400, back="/")


def test_the_console_for_an_account_that_is_not_an_official(django_user_model):
    user = django_user_model.objects.create_user(username="citizen", password="x-12345678")
    client = Client()
    client.force_login(user)
    for url in ("/console/", "/console/tickets/", "/console/meetings/"):
        page = assert_persian_error_page(client.get(url), 403, back="/")
        assert "این حساب به هیچ کارمندی متصل نیست" in page and 'data-role="logout"' in page
