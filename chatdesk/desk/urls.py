"""URL patterns of the desk app (included from chatdesk/urls.py)."""

from django.urls import path

from . import views_public

urlpatterns = [
    # catalogue, directory (views_public.py)
    path("services/", views_public.service_catalogue, name="service-catalogue"),
    path("services/<str:identifier>/", views_public.service_detail, name="service-detail"),
    path("directory/", views_public.public_directory, name="public-directory"),
]
