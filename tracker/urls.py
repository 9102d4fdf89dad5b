from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from notifications.health import healthz
from notifications.inbound.webhook import sms_inbound
from notifications.patient_page import patient_page
from tracker.login import AdminLogInForm, LogInForm, throttled

admin.site.login_form = AdminLogInForm  # its username's length checked, as on the ward's log-in page

urlpatterns = [
    path("admin/login/", throttled(admin.site.login)),
    path("admin/", admin.site.urls),
    path("api/", include("interop.urls")),
    path("", include("interop.canonical_urls")),
    path("api/", include("notifications.api_urls")),
    path("api/", include("outcomes.api_urls")),
    path("api/", include("tracker.api.urls")),
    path("api/", include("procedures.api.urls")),
    # Log-in and log-out only: no password-reset pages (an administrator sets a new password in the
    # admin), so that no page tells whether an e-mail address belongs to a member of staff.
    path("accounts/login/", throttled(auth_views.LoginView.as_view(authentication_form=LogInForm)), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("healthz", healthz, name="healthz"),
    path("p/<str:token>/", patient_page, name="patient-page"),
    path("sms/inbound/", sms_inbound, name="sms-inbound"),
    path("", include("outcomes.urls")),
    path("", include("ward.urls")),
]

handler400 = "tracker.errors.bad_request"
handler403 = "tracker.errors.permission_denied"
handler404 = "tracker.errors.page_not_found"
handler500 = "tracker.errors.server_error"
