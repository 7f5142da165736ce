from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from registry.auth_forms import PortalAuthenticationForm
from registry.views import people as registry_views

admin.site.site_header = "Портал наставничества: администрирование"
admin.site.site_title = "Портал наставничества"

urlpatterns = [
    path("", registry_views.home, name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=PortalAuthenticationForm, redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/password/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("accounts/password/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
    path("", include("registry.urls")),
    path("roadmaps/", include("roadmaps.urls")),
    path("monitoring/", include("monitoring.urls")),
    path("admin/", admin.site.urls),
]
