"""Following a space or a topic, and the page of what a member follows. Each button posts here
and comes back to the page it was pressed on; a space or topic the member cannot read is "not
found", as everywhere in discussions."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from discussions import following
from discussions.models import Space
from discussions.views import TOPICS_PER_PAGE, page_number, read_page
from network.errors import Refused
from network.http import SignedInRequest


def _back(request: SignedInRequest, to: str, *args: object) -> HttpResponse:
    if request.POST.get("next") == "following":
        return redirect("discussions:following")
    return redirect(to, *args)


@login_required
@require_POST
def space(request: SignedInRequest, slug: str, follow: bool) -> HttpResponse:
    found = get_object_or_404(Space.objects.visible_to(request.user), slug=slug)
    try:
        if follow:
            following.follow_space(member=request.user, space=found)
            messages.success(request, f"You now follow {found.name}.")
        else:
            following.unfollow_space(member=request.user, space=found)
            messages.success(request, f"You no longer follow {found.name}.")
    except Refused as refusal:
        messages.error(request, refusal.message)
    return _back(request, "discussions:space", found.slug)


@login_required
@require_POST
def topic(request: SignedInRequest, pk: int, follow: bool) -> HttpResponse:
    found = get_object_or_404(following.readable_topics(request.user), pk=pk)
    try:
        if follow:
            following.follow_topic(member=request.user, topic=found)
            messages.success(request, "You now follow this topic.")
        else:
            following.unfollow_topic(member=request.user, topic=found)
            messages.success(request, "You no longer follow this topic.")
    except Refused as refusal:
        messages.error(request, refusal.message)
    return _back(request, "discussions:topic", found.pk)


@login_required
def followed(request: SignedInRequest) -> HttpResponse:
    spaces = following.followed_spaces(request.user)
    page = read_page(following.followed_topics(request.user), page_number(request), TOPICS_PER_PAGE)
    following.tag_unread(page.items, request.user)
    return render(request, "discussions/following.html", {"spaces": spaces, "page": page})
