from django.urls import path

from . import views

app_name = "notices"

urlpatterns = [
    path("", views.notice_list, name="notice_list"),
    path("read/", views.notice_read, name="notice_read"),
    path("account/", views.account, name="account"),
]
