"""The one mapping of domain errors to HTTP answers (chatdesk/core/views.py, docs/architecture.md
#domain-errors-as-http-answers): a view raises, ``json_errors`` writes the JSON answer and
``page_errors(rerender)`` the page the view describes, each with the error's status and headers."""

import json

import pytest
from django import forms
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.db import SessionStore
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template import engines
from django.test import RequestFactory

from chatdesk.core.errors import Conflict, DomainError, NotFound, RateLimited, ValidationError
from chatdesk.core.uploads import TooLarge
from chatdesk.core.views import json_errors, page_errors, redirect_with_message
from chatdesk.reports.access import Forbidden, Unauthorized

pytestmark = pytest.mark.django_db


def _request(method="get", data=None):
    request = getattr(RequestFactory(), method)("/somewhere/", data or {})
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


# --- JSON views ----------------------------------------------------------------------------------
def _json_view(error):
    @json_errors
    def view(request, item_id):
        if error is not None:
            raise error
        return HttpResponse(f"item {item_id}")

    return view


def test_a_json_view_that_does_not_raise_answers_as_it_wrote():
    response = _json_view(None)(_request(), item_id=7)
    assert response.status_code == 200 and response.content == b"item 7"


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (ValidationError("متن پیام خالی است.", code="empty", field="body"), 400),
        (DomainError("درخواست نامعتبر است.", code="bad_request"), 400),
        (NotFound(), 404),
        (Conflict("این گفتگو پایان یافته است.", code="conversation_closed"), 409),
        (TooLarge("«a.pdf»: حجم فایل بیش از حد مجاز است.", code="file_too_large", field="file"), 413),
        (Forbidden(), 403),
    ],
)
def test_a_json_view_answers_a_domain_error_with_its_status_and_persian_message(error, status):
    response = _json_view(error)(_request(), item_id=7)
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    body = json.loads(response.content)
    assert body == {"error": error.as_dict()}
    assert body["error"]["code"] == error.code and body["error"]["message"] == error.message
    assert "Retry-After" not in response
    assert any("\u0600" <= ch <= "\u06ff" for ch in body["error"]["message"])  # Persian


def test_a_rate_limited_json_view_says_when_to_come_back():
    response = _json_view(RateLimited("تعداد درخواست‌ها بیش از حد مجاز است.", retry_after=37))(_request(), item_id=7)
    assert response.status_code == 429
    assert response["Retry-After"] == "37"
    assert json.loads(response.content)["error"] == {"code": "rate_limited", "message": "تعداد درخواست‌ها بیش از حد مجاز است.", "retry_after": 37}


def test_an_unauthorized_json_view_names_its_scheme():
    response = _json_view(Unauthorized())(_request(), item_id=7)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == 'Bearer realm="chatdesk-stats"'


def test_a_json_view_leaves_other_exceptions_alone():
    with pytest.raises(ZeroDivisionError):
        _json_view(ZeroDivisionError())(_request(), item_id=7)


# --- form views ------------------------------------------------------------------------------------
class NoteForm(forms.Form):
    body = forms.CharField(max_length=50, error_messages={"required": "متن را بنویسید."})

    def apply_error(self, error):
        self.add_error(error.field if error.field in self.fields else None, error.message)


PAGE = engines["django"].from_string(
    '<form>{{ form.non_field_errors }}{{ form.body.errors }}<input name="body" value="{{ form.body.value|default:"" }}"></form>'
)


def _form_view(service):
    """A form view as the project writes one: the page with the bound form is the rerender, so a
    refusal shows the same form with the error on its field and what was typed."""

    def view(request, item_id):
        form = NoteForm(request.POST or None)

        def page(request, error=None):
            if error is not None:
                form.apply_error(error)
            return HttpResponse(PAGE.render({"form": form}, request))

        @page_errors(page)
        def post(request):
            if not form.is_valid():
                response = page(request)
                response.status_code = 400
                return response
            service(item_id, form.cleaned_data["body"])
            return HttpResponseRedirect("/done/")

        return post(request) if request.method == "POST" else page(request)

    return view


def _refusing(error):
    def service(item_id, body):
        raise error

    return service


def test_a_form_view_that_succeeds_redirects():
    done = []
    response = _form_view(lambda item_id, body: done.append((item_id, body)))(_request("post", {"body": "سلام"}), item_id=3)
    assert response.status_code == 302 and response["Location"] == "/done/"
    assert done == [(3, "سلام")]


def test_a_refused_form_is_shown_again_with_the_error_on_its_field_and_what_was_typed():
    error = ValidationError("این متن پذیرفته نیست.", code="bad_body", field="body")
    response = _form_view(_refusing(error))(_request("post", {"body": "متن من"}), item_id=3)
    assert response.status_code == 400
    page = response.content.decode()
    assert '<ul class="errorlist"' in page and "این متن پذیرفته نیست." in page
    assert 'value="متن من"' in page
    assert "Retry-After" not in response


def test_a_form_refused_for_the_case_state_is_a_400_page_too():
    response = _form_view(_refusing(Conflict("این پرونده بسته شده است.", code="ticket_closed")))(_request("post", {"body": "x"}), item_id=3)
    assert response.status_code == 400
    assert "این پرونده بسته شده است." in response.content.decode()  # on the form, not on a field


def test_a_rate_limited_form_is_429_with_retry_after_and_the_persian_message():
    error = RateLimited("از این نشانی درخواست‌های زیادی ثبت شده است؛ لطفاً بعداً تلاش کنید.", retry_after=3600)
    response = _form_view(_refusing(error))(_request("post", {"body": "متن من"}), item_id=3)
    assert response.status_code == 429
    assert response["Retry-After"] == "3600"
    page = response.content.decode()
    assert error.message in page and 'value="متن من"' in page


def test_not_found_in_a_page_view_is_the_sites_404_unless_the_page_says_it():
    with pytest.raises(Http404):
        _form_view(_refusing(NotFound()))(_request("post", {"body": "x"}), item_id=3)

    @page_errors(lambda request, error, **kwargs: HttpResponse(error.message), shows_not_found=True)
    def lookup(request, code):
        raise NotFound("پرونده‌ای با این کد یافت نشد.")

    response = lookup(_request("post"), code="123")
    assert response.status_code == 404 and response.content.decode() == "پرونده‌ای با این کد یافت نشد."


def test_the_rerender_gets_the_views_own_arguments():
    seen = []

    def rerender(request, error, official, ticket_id):
        seen.append((official, ticket_id, error.code))
        return HttpResponse("again")

    @page_errors(rerender)
    def view(request, official, ticket_id):
        raise ValidationError(code="nope")

    assert view(_request("post"), "the official", ticket_id=9).status_code == 400
    assert seen == [("the official", 9, "nope")]


def test_an_action_refused_goes_back_with_its_message_and_stays_a_redirect():
    @page_errors(redirect_with_message(lambda request, code: f"/track/{code}/"))
    def action(request, code):
        raise RateLimited("کمی بعد دوباره تلاش کنید.", retry_after=60)

    request = _request("post")
    response = action(request, code="1234567890123")
    assert response.status_code == 302 and response["Location"] == "/track/1234567890123/"
    assert "Retry-After" not in response  # the message is shown on the page it leads to
    assert [m.message for m in get_messages(request)] == ["کمی بعد دوباره تلاش کنید."]


def test_a_page_with_nothing_to_show_again_maps_only_not_found():
    @page_errors()
    def download(request, attachment_id):
        if attachment_id == 1:
            raise NotFound()
        raise Conflict("این پرونده بسته شده است.")

    with pytest.raises(Http404):
        download(_request(), attachment_id=1)
    with pytest.raises(Conflict):  # not a refusal this page expects: it stays the bug it is
        download(_request(), attachment_id=2)
