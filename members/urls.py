from django.urls import path

from members import views

app_name = "members"

urlpatterns = [
    path("home/", views.home, name="home"),
    path("account/", views.account, name="account"),
]
