from allauth.mfa.utils import is_mfa_enabled
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "members/home.html")


@login_required
def account(request: HttpRequest) -> HttpResponse:
    return render(request, "members/account.html", {"mfa_enabled": is_mfa_enabled(request.user)})
