"""URL patterns of the desk app (included from chatdesk/urls.py)."""

from django.urls import path

from . import views_public

urlpatterns = [
    # catalogue, directory (views_public.py)
    path("services/", views_public.service_catalogue, name="service-catalogue"),
    path("services/<str:identifier>/", views_public.service_detail, name="service-detail"),
    path("directory/", views_public.public_directory, name="public-directory"),
    path("announcements/", views_public.announcement_list, name="announcements"),
]

# requests, complaints, meetings, contact forms (views_forms.py)
from . import views_forms  # noqa: E402

urlpatterns += [
    path("requests/new/", views_forms.request_new, name="request-new"),
    path("complaints/new/", views_forms.complaint_new, name="complaint-new"),
    path("report/", views_forms.report_new, name="report-new"),
    path("report/filed/", views_forms.report_filed, name="report-filed"),
    path("meetings/new/", views_forms.meeting_new, name="meeting-new"),
    path("contact/", views_forms.contact, name="contact"),
    path("forms/filed/", views_forms.filed, name="form-filed"),
    path("meetings/<str:code>/respond/", views_forms.meeting_citizen_action, name="meeting-citizen-action"),
    path("console/meetings/", views_forms.console_meetings, name="console-meetings"),
    path("console/meetings/<int:ticket_id>/<str:action>/", views_forms.console_meeting_action, name="console-meeting-action"),
]

# workflow steps and the service survey (views_steps.py)
from . import views_steps  # noqa: E402

urlpatterns += [
    path("console/requests/<int:ticket_id>/step/", views_steps.console_step_complete, name="console-step-complete"),
    path("survey/<str:code>/", views_steps.service_survey, name="service-survey"),
    path("survey/<str:code>/<str:token>/", views_steps.service_survey_link, name="service-survey-link"),
]
