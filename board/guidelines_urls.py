"""The guidelines' pages, mounted at /guidelines/ with names of their own (no namespace)."""

from django.urls import path

from board import guidelines_views

urlpatterns = [
    path("", guidelines_views.current, name="guidelines"),
    path("accept/", guidelines_views.accept, name="guidelines_accept"),
    path("<str:version>/", guidelines_views.version, name="guidelines_version"),
]
