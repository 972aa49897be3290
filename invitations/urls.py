from django.urls import path

from invitations import views

app_name = "invitations"

urlpatterns = [
    path("join/", views.express_interest, name="interest"),
    path("join/more/<str:token>/", views.more_info, name="more_info"),
    path("join/withdraw/<str:token>/", views.withdraw, name="withdraw"),
    path("invitation/<str:token>/", views.accept, name="accept"),
    path("nominate/", views.nominate, name="nominate"),
    path("applications/", views.applications, name="applications"),
    path("applications/<int:pk>/endorse/", views.endorse, name="endorse"),
]
