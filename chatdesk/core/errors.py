"""Domain errors with stable codes.  The code goes on the wire; the message is Persian for people;
``status`` is the HTTP status a JSON view answers with and ``headers()`` the headers that go with
it (``Retry-After`` for RateLimited, written here and nowhere else).  ``chatdesk.core.views``
turns an error into the answer: ``json_errors`` for JSON views, ``page_errors`` for pages."""


class DomainError(Exception):
    code = "error"
    status = 400
    message = "خطایی رخ داد."

    def __init__(self, message=None, *, code=None, field=None):
        self.message = message or self.message
        self.code = code or self.code
        self.field = field
        super().__init__(self.message)

    def headers(self):
        """HTTP headers every answer carrying this error has (none for most)."""
        return {}

    def as_dict(self):
        data = {"code": self.code, "message": self.message}
        if self.field:
            data["field"] = self.field
        return data


class ValidationError(DomainError):
    code = "invalid"
    message = "ورودی نامعتبر است."


class NotFound(DomainError):
    """Raised for both "does not exist" and "not yours" (design rule 3)."""

    code = "not_found"
    status = 404
    message = "مورد درخواستی یافت نشد."


class Conflict(DomainError):
    code = "conflict"
    status = 409
    message = "این کار با وضعیت فعلی ممکن نیست."


class RateLimited(DomainError):
    code = "rate_limited"
    status = 429
    message = "تعداد درخواست‌ها بیش از حد مجاز است؛ لطفاً کمی بعد دوباره تلاش کنید."

    def __init__(self, message=None, *, retry_after=60, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after

    def headers(self):
        return {"Retry-After": str(self.retry_after)}  # docs/security.md#rate-limits

    def as_dict(self):
        data = super().as_dict()
        data["retry_after"] = self.retry_after
        return data
