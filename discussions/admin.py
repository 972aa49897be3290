"""The programme board's side of discussions: it sets up the spaces; topics and posts are
members' words, which the board reads here and does not edit."""

from typing import Any

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest

from discussions.models import Post, Space, Topic
from discussions.moderation import record_space_change
from discussions.moderation_admin import PostModeration, TopicModeration
from network.admin import RecordAdmin


@admin.register(Space)
class SpaceAdmin(admin.ModelAdmin):
    list_display = ["name", "audience", "position", "announcement_only"]
    prepopulated_fields = {"slug": ["name"]}
    fields = ["name", "slug", "description", "audience", "position", "announcement_only"]

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        # A space holds members' topics: it is kept, never deleted.
        return False

    def save_model(self, request: HttpRequest, obj: Space, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        record_space_change(
            actor=request.user, space=obj, changed=form.changed_data, new=not change
        )


@admin.register(Topic)
class TopicAdmin(TopicModeration, RecordAdmin):
    list_display = ["title", "space", "author", "reply_count", "last_post_at", "locked", "pinned"]
    list_filter = ["space", "locked", "pinned", "hidden"]
    list_select_related = ["space", "author"]
    search_fields = ["title"]
    ordering = ["-last_post_at", "-pk"]
    fields = readonly_fields = (
        "space",
        "author",
        "title",
        "created_at",
        "last_post_at",
        "reply_count",
        "locked",
        "pinned",
        "hidden",
    )


@admin.register(Post)
class PostAdmin(PostModeration, RecordAdmin):
    list_display = ["__str__", "topic", "author", "created_at", "edited_at", "hidden_at"]
    change_form_template = "admin/discussions/post/change_form.html"
    list_select_related = ["topic", "author"]
    ordering = ["-created_at", "-pk"]
    fields = readonly_fields = (
        "topic",
        "author",
        "body",
        "created_at",
        "edited_at",
        "removed_by_author_at",
        "hidden_at",
        "hidden_reason",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Post]:
        return super().get_queryset(request).select_related("topic", "author")
