"""The guidelines on the board site: drafts the board edits and previews, and publishing one."""

import re
from typing import Any, cast

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import URLPattern, path
from django.utils.html import format_html
from django.utils.safestring import SafeString

from board import guidelines
from board.models import GuidelinesVersion
from members.models import User
from network.errors import Refused
from network.markdown import render_markdown

# A version label is part of its page's address (/guidelines/<version>/), next to the page where
# members accept the guidelines.
VERSION_LABEL = re.compile(r"[A-Za-z0-9][A-Za-z0-9.-]*")
RESERVED_LABELS = {"accept"}


class GuidelinesVersionForm(forms.ModelForm):
    class Meta:
        model = GuidelinesVersion
        fields = ["version", "title", "body", "change_summary"]
        help_texts = {
            "version": 'A short label members will see, such as "2027-01": letters, digits, '
            "dots and hyphens.",
            "body": "Markdown: ## for a heading, - for a list item, [words](https://...) for a "
            "link. Pictures and HTML are not shown.",
        }

    def clean_version(self) -> str:
        label = self.cleaned_data["version"].strip()
        if not VERSION_LABEL.fullmatch(label) or label.lower() in RESERVED_LABELS:
            raise ValidationError('Use letters, digits, dots and hyphens only, such as "2027-01".')
        return label


@admin.register(GuidelinesVersion)
class GuidelinesVersionAdmin(admin.ModelAdmin):
    form = GuidelinesVersionForm
    list_display = ["version", "title", "state", "published_at"]
    ordering = ["-created_at", "-pk"]
    fields = ["version", "title", "body", "change_summary", "preview"]
    readonly_fields = ["preview"]
    change_form_template = "board/guidelines/admin_change_form.html"

    @admin.display(description="state")
    def state(self, version: GuidelinesVersion) -> str:
        if not version.is_published:
            return "Draft"
        current = guidelines.current()
        return "Current" if current is not None and current.pk == version.pk else "Replaced"

    @admin.display(description="how members will see it")
    def preview(self, version: GuidelinesVersion) -> SafeString | str:
        if version.pk is None:
            return "Save the draft to see how it will look."
        return format_html(
            '<div class="guidelines-preview">{}</div>', render_markdown(version.body)
        )

    def has_change_permission(
        self, request: HttpRequest, obj: GuidelinesVersion | None = None
    ) -> bool:
        # Members accepted a published version as it stands: it is never changed.
        if obj is not None and obj.is_published:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(
        self, request: HttpRequest, obj: GuidelinesVersion | None = None
    ) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: GuidelinesVersion, form: Any, change: bool
    ) -> None:
        guidelines.save_draft(draft=obj, actor=cast(User, request.user))

    def get_urls(self) -> list[URLPattern]:
        view = self.admin_site.admin_view
        publish = path(
            "<int:pk>/publish/", view(self.publish_view), name="board_guidelinesversion_publish"
        )
        return [publish, *super().get_urls()]

    def publish_view(self, request: HttpRequest, pk: int) -> HttpResponse:
        if not self.has_change_permission(request):
            raise Http404
        version = get_object_or_404(GuidelinesVersion, pk=pk)
        if request.method == "POST":
            try:
                guidelines.publish(version=version, actor=cast(User, request.user))
            except Refused as refusal:
                messages.error(request, str(refusal))
            else:
                messages.success(
                    request,
                    f"Version {version.version} is published. Every member will be asked to "
                    "accept it at their next visit.",
                )
            return redirect("admin:board_guidelinesversion_changelist")
        if version.is_published:
            messages.info(request, f"Version {version.version} is already published.")
            return redirect("admin:board_guidelinesversion_change", version.pk)
        return TemplateResponse(
            request,
            "board/guidelines/admin_publish.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": f"Publish version {version.version}",
                "version": version,
                "current": guidelines.current(),
            },
        )
