"""The desk's URLs plus one view that fails, so the crawler can see the 500 page."""

from django.urls import path

from chatdesk import urls as desk_urls


def boom(request):
    raise RuntimeError("a failure for the crawler's 500 page")


urlpatterns = [path("crawler-boom/", boom), *desk_urls.urlpatterns]

for _name in ("handler400", "handler403", "handler404", "handler500"):
    if hasattr(desk_urls, _name):
        globals()[_name] = getattr(desk_urls, _name)
