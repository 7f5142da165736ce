from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from notices import views as notice_views
from notices.invitations import QueuedPasswordResetForm

admin.site.site_header = "Портал наставничества: администрирование"
admin.site.site_title = "Портал наставничества"

urlpatterns = [
    # The home page and the sign-in, named without a namespace («home», «login»).
    path("", include("registry.site_urls")),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", notice_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "accounts/password/reset/",
        auth_views.PasswordResetView.as_view(form_class=QueuedPasswordResetForm),
        name="password_reset",
    ),
    path("accounts/password/reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path(
        "accounts/password/set/<uidb64>/<token>/",
        notice_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path("accounts/password/set/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("notices/", include("notices.urls")),
    path("jobs/", include("jobs.urls")),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("", include("registry.urls")),
    path("roadmaps/", include("roadmaps.urls")),
    path("monitoring/", include("monitoring.urls")),
    path("regions/", include("region.urls")),
    path("admin/", admin.site.urls),
]
