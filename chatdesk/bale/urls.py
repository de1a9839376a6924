from django.urls import path

from . import views

urlpatterns = [
    path("bale/webhook/<str:secret>/", views.webhook, name="bale-webhook"),
]
