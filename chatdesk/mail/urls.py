"""URL patterns of the mail app (included from chatdesk/urls.py)."""

urlpatterns = []
