"""URL patterns of the tickets app: the console ticket pages and the public tracking pages."""

urlpatterns = []
