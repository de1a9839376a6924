"""URL patterns of the reports app (included from chatdesk/urls.py at /console/reports/)."""

from django.urls import path

from . import views

app_name = "reports"

urlpatterns = [
    path("", views.reports_home, name="home"),
    path("ratings/", views.ratings_page, name="ratings"),
    path("export/<str:what>.<str:fmt>", views.export, name="export"),
]
