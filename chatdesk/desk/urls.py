"""URL patterns of the desk app (included from chatdesk/urls.py)."""

urlpatterns = []
