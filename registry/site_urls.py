"""The site's pages the registry serves outside its namespace: the home page and the sign-in."""

from django.contrib.auth import views as auth_views
from django.urls import path

from .auth_forms import PortalAuthenticationForm
from .views import people

urlpatterns = [
    path("", people.home, name="home"),
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(authentication_form=PortalAuthenticationForm, redirect_authenticated_user=True),
        name="login",
    ),
]
