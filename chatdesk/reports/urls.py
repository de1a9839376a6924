"""URL patterns of the reports app (included from chatdesk/urls.py)."""

urlpatterns = []
