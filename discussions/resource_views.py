"""Members' pages for knowledge sharing: adding and removing documents on a post, opening one,
keeping a topic as a resource, and the list of resources by tag.

Every page finds its post or topic through `visible_posts` / `visible_topics`, so a member
outside a space's audience, or looking for a hidden topic, gets "not found". A document opens
only for someone who may read its post: not once the post is removed, and for a post the board
hid, only for the board and the post's author.
"""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from discussions import resources
from discussions.models import Attachment, Post, Topic
from discussions.queries import reads_as_board
from discussions.views import page_number, read_page, visible_posts, visible_topics
from network.errors import Refused
from network.forms import board_topics_field, use_house_words
from network.http import SignedInRequest, is_record_id, posted

RESOURCES_PER_PAGE = 25


class DocumentForm(forms.Form):
    document = forms.FileField(
        label="Choose a document",
        help_text=(
            f"A PDF or Word document (.docx) smaller than "
            f"{resources.megabytes(resources.MAX_DOCUMENT_BYTES)}. Everyone who can read this "
            "topic can download it."
        ),
        error_messages={
            "required": "Choose a PDF or Word document to add.",
            "empty": resources.ResourceRefusal.EMPTY.label,
            "invalid": "Choose a PDF or Word document to add.",
            "max_length": "The file's name is too long: rename it and try again.",
        },
        max_length=1000,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        use_house_words(self)


class ResourceForm(forms.Form):
    is_resource = forms.BooleanField(
        label="Keep this topic in Resources",
        help_text="Members find resources by tag on the Resources page.",
        required=False,
    )
    tags = board_topics_field("Tags", choose="tags")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["tags"].queryset = resources.board_tags()  # type: ignore[attr-defined]
        use_house_words(self)


def documents_post(request: SignedInRequest, pk: int) -> Post:
    """A post whose documents the member may manage: theirs, or any post for the board."""
    board = reads_as_board(request)
    posts = resources.readable_posts(request.user, visible_posts(request.user), board=board)
    post = get_object_or_404(posts.select_related("topic"), pk=pk)
    if not resources.may_remove_documents(request.user, post) or (
        post.author_id != request.user.pk and not board
    ):
        raise Http404("Not a post whose documents you can change.")
    return post


@login_required
def add_document(request: SignedInRequest, pk: int) -> HttpResponse:
    post = documents_post(request, pk)
    form = DocumentForm(posted(request), request.FILES if request.method == "POST" else None)
    if form.is_valid():
        try:
            added = resources.add_document(
                member=request.user, post=post, upload=form.cleaned_data["document"]
            )
        except Refused as refusal:
            form.add_error("document", refusal.message)
        else:
            messages.success(request, f"{added.name} has been added to your post.")
            return redirect("discussions:add_document", post.pk)
    context = {
        "post": post,
        "form": form,
        "documents": post.attachments.order_by("created_at", "pk"),
        "can_add": resources.may_add_documents(request.user, post, timezone.now()),
        "most": resources.MAX_DOCUMENTS_PER_POST,
    }
    return render(
        request, "discussions/add_document.html", context, status=400 if form.errors else 200
    )


@login_required
@require_POST
def remove_document(request: SignedInRequest, pk: int) -> HttpResponse:
    attachment = get_object_or_404(Attachment.objects.select_related("post"), pk=pk)
    post = documents_post(request, attachment.post_id)
    try:
        resources.remove_document(member=request.user, attachment=attachment)
    except Refused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, f"{attachment.name} has been removed.")
    return redirect("discussions:add_document", post.pk)


@login_required
def document(request: SignedInRequest, pk: int) -> FileResponse:
    posts = resources.readable_posts(
        request.user, visible_posts(request.user), board=reads_as_board(request)
    )
    attachment = get_object_or_404(Attachment.objects.filter(post__in=posts), pk=pk)
    try:
        opened = attachment.file.open("rb")
    except FileNotFoundError:
        raise Http404("The document is no longer stored.") from None
    response = FileResponse(
        opened,
        as_attachment=True,
        filename=attachment.name,
        content_type=resources.CONTENT_TYPES[Attachment.Kind(attachment.kind)],
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def resource(request: SignedInRequest, pk: int) -> HttpResponse:
    found = get_object_or_404(visible_topics(request.user).select_related("space"), pk=pk)
    board = reads_as_board(request)
    if not resources.may_change_resource(request.user, found, board=board):
        raise Http404("Not a topic you can change.")
    initial = {"is_resource": found.is_resource, "tags": list(found.tags.all())}
    form = ResourceForm(posted(request), initial=initial)
    if form.is_valid():
        try:
            resources.set_resource(
                member=request.user,
                topic=found,
                is_resource=form.cleaned_data["is_resource"],
                tags=form.cleaned_data["tags"],
                board=board,
            )
        except Refused as refusal:
            form.add_error(None, refusal.message)
        else:
            kept = form.cleaned_data["is_resource"]
            messages.success(
                request,
                "The topic is kept in Resources." if kept else "The topic is no longer a resource.",
            )
            return redirect("discussions:topic", found.pk)
    return render(
        request,
        "discussions/resource.html",
        {"topic": found, "form": form},
        status=400 if form.errors else 200,
    )


def resource_topics(user: Any) -> QuerySet[Topic]:
    return (
        visible_topics(user)
        .filter(is_resource=True)
        .select_related("space", "author")
        .prefetch_related("tags")
        .order_by("-last_post_at", "-pk")
    )


@login_required
def resource_list(request: SignedInRequest) -> HttpResponse:
    tags = list(resources.board_tags())
    wanted = request.GET.get("tag", "")
    chosen = next((tag for tag in tags if is_record_id(wanted) and tag.pk == int(wanted)), None)
    topics = resource_topics(request.user)
    if chosen:
        topics = topics.filter(tags=chosen)
    page = read_page(topics, page_number(request), RESOURCES_PER_PAGE)
    return render(
        request,
        "discussions/resources.html",
        {
            "tags": tags,
            "chosen": chosen,
            "page": page,
            "query": f"tag={chosen.pk}" if chosen else "",
        },
    )
