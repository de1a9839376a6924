from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from chatdesk.chats import faq as chat_faq
from chatdesk.chats import files as chat_files
from chatdesk.chats import views as chat_views
from chatdesk.core import auth as core_auth
from chatdesk.core import views as core_views
from chatdesk.site import access_log_views
from chatdesk.site import views as site_views
from chatdesk.tickets import views as ticket_views

admin.site.login_form = core_auth.AdminLoginForm  # lock-out message in the admin too

console_patterns = (
    [
        path("", chat_views.console, name="home"),
        path("login/", auth_views.LoginView.as_view(template_name="console/login.html", authentication_form=core_auth.LoginForm, redirect_authenticated_user=True), name="login"),
        path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    ],
    "console",
)

urlpatterns = [
    path("", site_views.home, name="home"),
    path("healthz", core_views.healthz, name="healthz"),
    path("api/chat/start/", chat_views.chat_start, name="chat-start"),
    path("api/units/<int:unit_id>/state/", chat_views.unit_state, name="unit-state"),
    path("api/units/<int:unit_id>/faq/", chat_faq.faq_list_view, name="unit-faq"),
    path("api/faq/<int:faq_id>/open/", chat_faq.faq_open_view, name="faq-open"),
    path("api/chat/files/", chat_files.upload_view, name="chat-file-upload"),
    path("api/chat/files/<int:attachment_id>/", ticket_views.chat_file_download, name="chat-file-download"),
    path("console/", include(console_patterns)),
    path("console/reports/", include("chatdesk.reports.urls")),
    path("console/audit/", access_log_views.audit_page, name="access-log"),
    path("", include("chatdesk.tickets.urls")),
    path("", include("chatdesk.desk.urls")),
    path("", include("chatdesk.mail.urls")),
    path("", include("chatdesk.bale.urls")),
    path("", include("chatdesk.reports.public_urls")),  # /rate/..., /api/stats/v1/...
    path("admin/", admin.site.urls),
]
