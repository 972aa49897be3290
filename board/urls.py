from django.urls import path

from board import views

app_name = "board"

urlpatterns = [
    path("", views.your_reports, name="reports"),
    path("member/<int:pk>/", views.report_member, name="report_member"),
    path("event/<int:pk>/", views.report_event, name="report_event"),
    path("post/<int:pk>/", views.report_post, name="report_post"),
    path("received/", views.received, name="received"),
    # The link in a decision's email: the token is a secret (network.logs redacts it).
    path("appeal/<str:token>/", views.appeal, name="appeal"),
]
