from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from network import views

urlpatterns = [
    path("", views.landing, name="landing"),
    path("privacy/", views.privacy, name="privacy"),
    path("guidelines/", views.guidelines, name="guidelines"),
    path("healthz", views.healthz, name="healthz"),
    path("email/stop/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("accounts/", include("allauth.urls")),
    path("", include("members.urls")),
    path("board/", admin.site.urls),
]

# The provider's delivery and bounce reports. Without a shared secret anyone could forge them,
# so outside local development they are refused (404) until ANYMAIL_WEBHOOK_SECRET is set.
if settings.DEBUG or settings.ANYMAIL.get("WEBHOOK_SECRET"):
    urlpatterns.append(path("anymail/", include("anymail.urls")))
