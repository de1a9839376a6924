"""The console's door for HTTP views: who is signed in as an official.  A signed-in user who is
no (active) official gets the Persian "not an official" page with 403, written once here."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.shortcuts import render

from .selectors import official_for_user


def not_official_page(request):
    """The console's refusal page (403; held mail shows it as its 404, ``mail.views``)."""
    return render(request, "console/not_official.html", status=403)


def official_view(view):
    """A console view: sign-in required (``login_required``), then the user's Official is passed as
    the view's second argument; a user who is no official gets the 403 page."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        official = official_for_user(request.user)
        if official is None:
            return not_official_page(request)
        return view(request, official, *args, **kwargs)

    return login_required(wrapper)
