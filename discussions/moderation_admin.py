"""The board's moderation on the board site: actions on the lists of posts and topics, and the
pages that ask for a reason (hiding a post) or a space (moving a topic). Every change is made by
discussions.moderation, which checks the rules and audits it."""

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path, reverse

from discussions import moderation
from discussions.models import Post, Space, Topic, author_name
from network.errors import Refused
from network.http import is_record_id, posted

FORM_PAGE = "admin/board/form_page.html"


class HideForm(forms.Form):
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=moderation.MAX_REASON,
        help_text="Emailed to the post's author, who also sees it beside the post. Other "
        "members see only that the board hid the post.",
    )


class MoveForm(forms.Form):
    space = forms.ModelChoiceField(
        label="Move to",
        queryset=Space.objects.all(),
        empty_label=None,
        help_text="The topic's readers become this space's audience: members outside it no "
        "longer see the topic.",
    )


def chosen_ids(request: HttpRequest) -> list[int]:
    return [int(pk) for pk in request.GET.get("ids", "").split(",") if is_record_id(pk)][:100]


def _selected(queryset: QuerySet[Any], view: str) -> HttpResponseRedirect:
    ids = ",".join(str(pk) for pk in queryset.values_list("pk", flat=True)[:100])
    return redirect(reverse(view) + f"?ids={ids}")


def apply_each(
    model_admin: admin.ModelAdmin,
    request: HttpRequest,
    items: list[Any],
    change: Callable[[Any], object],
    done: str,
) -> None:
    """Make one change to each item; say how many changed and why any did not."""
    changed = 0
    for item in items:
        try:
            change(item)
        except Refused as refusal:
            model_admin.message_user(request, f"{item}: {refusal.message}", messages.ERROR)
        else:
            changed += 1
    if changed:
        model_admin.message_user(request, done.format(count=changed), messages.SUCCESS)


def _form_page(
    model_admin: admin.ModelAdmin, request: HttpRequest, form: forms.Form, **context: Any
) -> TemplateResponse:
    return TemplateResponse(
        request,
        FORM_PAGE,
        {**model_admin.admin_site.each_context(request), "form": form, **context},
    )


class PostModeration(admin.ModelAdmin):
    actions = ["hide", "unhide"]

    @admin.action(description="Hide the selected posts", permissions=["view"])
    def hide(self, request: HttpRequest, queryset: QuerySet[Post]) -> HttpResponseRedirect:
        return _selected(queryset, "admin:discussions_post_hide")

    @admin.action(description="Show the selected hidden posts again", permissions=["view"])
    def unhide(self, request: HttpRequest, queryset: QuerySet[Post]) -> None:
        apply_each(
            self,
            request,
            list(queryset),
            lambda post: moderation.unhide_post(board_member=request.user, post=post),
            "Posts shown again: {count}.",
        )

    def get_urls(self) -> list[URLPattern]:
        hide = path(
            "hide/", self.admin_site.admin_view(self.hide_view), name="discussions_post_hide"
        )
        return [hide, *super().get_urls()]

    def hide_view(self, request: HttpRequest) -> HttpResponse:
        posts = list(
            Post.objects.filter(pk__in=chosen_ids(request)).select_related("topic", "author")
        )
        report = request.GET.get("report", "")
        back = (
            reverse("admin:board_report_change", args=[report])
            if is_record_id(report)
            else reverse("admin:discussions_post_changelist")
        )
        form = HideForm(posted(request))
        if request.method == "POST" and posts and form.is_valid():
            apply_each(
                self,
                request,
                posts,
                lambda post: moderation.hide_post(
                    board_member=request.user, post=post, reason=form.cleaned_data["reason"]
                ),
                "Posts hidden: {count}. Their authors have been told why.",
            )
            return redirect(back)
        return _form_page(
            self,
            request,
            form,
            title="Hide posts",
            back=back,
            back_label="the report" if is_record_id(report) else "the posts",
            chosen_label="The posts to hide:" if posts else "No posts were chosen.",
            chosen=[f"{author_name(p.author)} in “{p.topic}”: {p.body[:200]}" for p in posts],
            button="Hide and tell the authors",
        )


class TopicModeration(admin.ModelAdmin):
    actions = ["lock", "unlock", "pin", "unpin", "move"]

    def _each(
        self, request: HttpRequest, queryset: QuerySet[Topic], change: Any, done: str
    ) -> None:
        apply_each(
            self,
            request,
            list(queryset),
            lambda topic: change(board_member=request.user, topic=topic),
            done,
        )

    @admin.action(description="Lock the selected topics", permissions=["view"])
    def lock(self, request: HttpRequest, queryset: QuerySet[Topic]) -> None:
        self._each(request, queryset, moderation.lock_topic, "Topics locked: {count}.")

    @admin.action(description="Unlock the selected topics", permissions=["view"])
    def unlock(self, request: HttpRequest, queryset: QuerySet[Topic]) -> None:
        self._each(request, queryset, moderation.unlock_topic, "Topics unlocked: {count}.")

    @admin.action(description="Pin the selected topics to the top", permissions=["view"])
    def pin(self, request: HttpRequest, queryset: QuerySet[Topic]) -> None:
        self._each(request, queryset, moderation.pin_topic, "Topics pinned: {count}.")

    @admin.action(description="Unpin the selected topics", permissions=["view"])
    def unpin(self, request: HttpRequest, queryset: QuerySet[Topic]) -> None:
        self._each(request, queryset, moderation.unpin_topic, "Topics unpinned: {count}.")

    @admin.action(description="Move the selected topics to another space", permissions=["view"])
    def move(self, request: HttpRequest, queryset: QuerySet[Topic]) -> HttpResponseRedirect:
        return _selected(queryset, "admin:discussions_topic_move")

    def get_urls(self) -> list[URLPattern]:
        move = path(
            "move/", self.admin_site.admin_view(self.move_view), name="discussions_topic_move"
        )
        return [move, *super().get_urls()]

    def move_view(self, request: HttpRequest) -> HttpResponse:
        topics = list(Topic.objects.filter(pk__in=chosen_ids(request)).select_related("space"))
        back = reverse("admin:discussions_topic_changelist")
        form = MoveForm(posted(request))
        if request.method == "POST" and topics and form.is_valid():
            space = form.cleaned_data["space"]
            apply_each(
                self,
                request,
                topics,
                lambda topic: moderation.move_topic(
                    board_member=request.user, topic=topic, space=space
                ),
                f"Topics moved to {space}: {{count}}.",
            )
            return redirect(back)
        return _form_page(
            self,
            request,
            form,
            title="Move topics",
            back=back,
            back_label="the topics",
            chosen_label="The topics to move:" if topics else "No topics were chosen.",
            chosen=[f"“{t}”, now in {t.space}" for t in topics],
            button="Move the topics",
        )
