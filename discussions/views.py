"""Members' pages of discussions: the spaces, a space's topics, a topic's posts, and the forms to
start a topic, reply, and edit or remove one's own post.

Every page finds its space, topic or post through `Space.objects.visible_to(request.user)`: a
member outside a space's audience gets "not found", as if it did not exist. Pages are numbered
and read a page and one more row, so no page counts every topic.
"""

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from discussions import following, notify, services
from discussions.forms import BodyForm as EditForm
from discussions.forms import ReplyForm, TopicForm
from discussions.models import POSTS_PER_PAGE, Space
from discussions.queries import reads_as_board, visible_posts, visible_topics
from network.errors import Refused
from network.http import SignedInRequest, is_record_id, posted

TOPICS_PER_PAGE = 25


@dataclass(frozen=True)
class Page:
    items: list[Any]
    number: int
    has_next: bool
    num_pages: int | None = None  # known only where it costs no count

    @property
    def has_previous(self) -> bool:
        return self.number > 1

    @property
    def previous_page_number(self) -> int:
        return self.number - 1

    @property
    def next_page_number(self) -> int:
        return self.number + 1


def page_number(request: HttpRequest) -> int:
    value = request.GET.get("page", "")
    return int(value) if is_record_id(value) and 0 < int(value) < 100_000 else 1


def read_page(rows: QuerySet[Any], number: int, size: int) -> Page:
    start = (number - 1) * size
    items = list(rows[start : start + size + 1])
    return Page(items[:size], number, has_next=len(items) > size)


@login_required
def space_list(request: SignedInRequest) -> HttpResponse:
    spaces = Space.objects.visible_to(request.user).annotate(
        topic_count=Count("topics", filter=Q(topics__hidden=False))
    )
    return render(request, "discussions/spaces.html", {"spaces": spaces})


@login_required
def space(request: SignedInRequest, slug: str) -> HttpResponse:
    found = get_object_or_404(Space.objects.visible_to(request.user), slug=slug)
    topics = found.topics.listed().select_related("author").prefetch_related("tags")
    marked = following.with_read_marks(topics, request.user)
    page = read_page(marked, page_number(request), TOPICS_PER_PAGE)
    following.tag_unread(page.items, request.user)
    can_start = not found.announcement_only or request.user.is_board_member
    followed = following.is_following(request.user, space=found)
    context = {"space": found, "page": page, "can_start": can_start, "following": followed}
    return render(request, "discussions/space.html", context)


@login_required
def new_topic(request: SignedInRequest, slug: str) -> HttpResponse:
    found = get_object_or_404(Space.objects.visible_to(request.user), slug=slug)
    form = TopicForm(posted(request))
    if form.is_valid():
        try:
            started = services.start_topic(
                author=request.user,
                space=found,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
            )
        except Refused as refusal:
            form.add_error(None, refusal.message)
        else:
            return redirect("discussions:topic", started.pk)
    return render(request, "discussions/new_topic.html", {"space": found, "form": form})


def topic_page(
    request: SignedInRequest, pk: int, form: ReplyForm, status: int = 200
) -> HttpResponse:
    found = get_object_or_404(visible_topics(request.user).select_related("space"), pk=pk)
    posts = (
        found.posts.order_by("created_at", "pk")
        .select_related("author")
        .prefetch_related("attachments")
    )
    page = read_page(posts, page_number(request), POSTS_PER_PAGE)
    last = max(1, -(-(found.reply_count + 1) // POSTS_PER_PAGE))
    page = Page(page.items, page.number, page.has_next, num_pages=last)
    now = timezone.now()
    editable = {post.pk for post in page.items if post.can_be_edited(by=request.user, now=now)}
    # The board (with its second factor) reads a hidden post's words and changes any post's
    # documents; asked once, and only of a staff account.
    board_view = request.user.is_staff and reads_as_board(request)
    board_reads_hidden = board_view and any(p.hidden_at for p in page.items)
    if request.method == "GET":  # a refused reply shows the page again and reads nothing new
        following.mark_read(member=request.user, topic=found, posts=page.items)
    notify.attach_mention_links(page.items)
    context = {
        "topic": found,
        "page": page,
        "form": form,
        "editable": editable,
        "board_reads_hidden": board_reads_hidden,
        "board_view": board_view,
        "following": following.is_following(request.user, topic=found),
    }
    return render(request, "discussions/topic.html", context, status=status)


@login_required
def topic(request: SignedInRequest, pk: int) -> HttpResponse:
    quote = notify.quote_initial(visible_posts(request.user), request.GET.get("quote"), topic_id=pk)
    return topic_page(request, pk, ReplyForm(initial=quote))


@login_required
@require_POST
def reply(request: SignedInRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(visible_topics(request.user), pk=pk)
    form = ReplyForm(request.POST)
    if form.is_valid():
        try:
            services.reply(
                author=request.user,
                topic=found,
                body=form.cleaned_data["body"],
                reply_to=form.cleaned_data["reply_to"],
            )
        except Refused as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, "Your reply has been posted.")
            last = -(-(found.reply_count + 2) // POSTS_PER_PAGE)
            return redirect(reverse("discussions:topic", args=[pk]) + f"?page={last}")
    return topic_page(request, pk, form, status=400)


@login_required
def edit_post(request: SignedInRequest, pk: int) -> HttpResponse:
    post = get_object_or_404(
        visible_posts(request.user).select_related("topic"), pk=pk, author=request.user
    )
    form = EditForm(posted(request), initial={"body": post.body})
    if form.is_valid():
        try:
            services.edit_post(author=request.user, post=post, body=form.cleaned_data["body"])
        except Refused as refusal:
            form.add_error(None, refusal.message)
        else:
            messages.success(request, "Your post has been changed.")
            return redirect("discussions:topic", post.topic_id)
    can_edit = post.can_be_edited(by=request.user, now=timezone.now())
    context = {"post": post, "form": form, "can_edit": can_edit}
    return render(request, "discussions/edit_post.html", context)


@login_required
@require_POST
def remove_post(request: SignedInRequest, pk: int) -> HttpResponse:
    post = get_object_or_404(visible_posts(request.user), pk=pk, author=request.user)
    try:
        services.remove_own_post(author=request.user, post=post)
    except Refused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, "Your post has been removed.")
    return redirect("discussions:topic", post.topic_id)
