from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from network import views

urlpatterns = [
    path("", views.landing, name="landing"),
    path("privacy/", views.privacy, name="privacy"),
    path("guidelines/", include("board.guidelines_urls")),
    path("healthz", views.healthz, name="healthz"),
    path("robots.txt", views.robots_txt, name="robots_txt"),
    path("email/stop/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("accounts/", include("allauth.urls")),
    path("", include("members.urls")),
    path("", include("invitations.urls")),
    path("", include("events.urls")),
    path("mentoring/", include("mentoring.urls")),
    path("discussions/", include("discussions.urls")),
    path("reports/", include("board.urls")),
    path("board/", admin.site.urls),
    path("anymail/", include((views.provider_webhooks(settings.EMAIL_PROVIDER), "anymail"))),
]
