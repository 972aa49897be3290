"""Knowledge sharing in discussions: documents on posts, and topics kept as resources with tags
from the board's topic list.

A document is checked from what it holds, never from its name: a PDF starts with `%PDF-`, a
Word document is a ZIP archive holding `[Content_Types].xml` and `word/document.xml`. Only the
archive's directory is read, never a compressed byte, so an archive built to explode when
unpacked costs nothing here. Storage makes the file's path; the member's file name is kept only
as words to show.
"""

import re
import unicodedata
import uuid
import zipfile
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import UploadedFile
from django.db import models, transaction
from django.db.models import QuerySet
from django.utils import timezone

from discussions.models import Attachment, Post, Topic
from network.errors import Refused
from network.models import MentoringTopic, NetworkSettings

# Both can be changed in settings; these are what the site promises members by default.
MAX_DOCUMENT_BYTES: int = getattr(settings, "DISCUSSIONS_MAX_DOCUMENT_BYTES", 10 * 1024 * 1024)
MAX_DOCUMENTS_PER_POST: int = getattr(settings, "DISCUSSIONS_MAX_DOCUMENTS_PER_POST", 5)
MAX_NAME = 120
# A Word document has a few dozen parts; an archive listing thousands is not one.
MAX_ARCHIVE_ENTRIES = 2_000
# What the parts of a genuine document add up to once unpacked, read from the directory only.
MAX_UNPACKED_BYTES = 200 * 1024 * 1024
CONTENT_TYPES = {
    Attachment.Kind.PDF: "application/pdf",
    Attachment.Kind.DOCX: (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    ),
}


def megabytes(size: int) -> str:
    return f"{size / (1024 * 1024):.0f} MB"


class ResourceRefusal(models.TextChoices):
    """Why adding or changing a document or a resource was refused, in the member's words."""

    NOT_YOURS = "not_yours", "Only the person who wrote this post can add documents to it."
    WINDOW_PASSED = (
        "window_passed",
        "You can only add documents in the first 30 minutes after you write a post.",
    )
    POST_REMOVED = "post_removed", "This post has been removed."
    EMPTY = "empty", "The file you chose is empty."
    TOO_BIG = "too_big", f"The file must be smaller than {megabytes(MAX_DOCUMENT_BYTES)}."
    NOT_A_DOCUMENT = (
        "not_a_document",
        "The file must be a PDF or a Word document (.docx).",
    )
    TOO_MANY = (
        "too_many",
        f"A post can have up to {MAX_DOCUMENTS_PER_POST} documents. Remove one to add another.",
    )
    NOT_YOUR_TOPIC = (
        "not_your_topic",
        "Only the person who started this topic or the programme board can change this.",
    )
    UNKNOWN_TAG = "unknown_tag", "Choose tags from the list."


# ---------------------------------------------------------------------------------------------
# What a file is


def document_kind(upload: UploadedFile) -> str:
    """The kind of document the upload is, read from its bytes, or a refusal saying why not."""
    size = upload.size or 0
    if size == 0:
        raise Refused(ResourceRefusal.EMPTY)
    if size > MAX_DOCUMENT_BYTES:
        raise Refused(ResourceRefusal.TOO_BIG)
    upload.seek(0)
    start = upload.read(5)
    upload.seek(0)
    if start == b"%PDF-":
        return Attachment.Kind.PDF
    if start[:4] == b"PK\x03\x04" and _is_word_document(upload):
        return Attachment.Kind.DOCX
    raise Refused(ResourceRefusal.NOT_A_DOCUMENT)


def _is_word_document(upload: UploadedFile) -> bool:
    try:
        # ZipFile reads the central directory at the end of the file and nothing else until a
        # part is opened, and no part is opened here.
        with zipfile.ZipFile(upload) as archive:
            entries = archive.infolist()
            if len(entries) > MAX_ARCHIVE_ENTRIES:
                return False
            if sum(entry.file_size for entry in entries) > MAX_UNPACKED_BYTES:
                return False
            names = {entry.filename for entry in entries}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        return False
    finally:
        upload.seek(0)
    return "[Content_Types].xml" in names and "word/document.xml" in names


def shown_name(client_name: str | None, kind: str) -> str:
    """The file's name as members will read it: the member's own words without any folder,
    control or formatting characters, ending in the extension its content calls for."""
    base = re.split(r"[\\/]", client_name or "")[-1]
    base = unicodedata.normalize("NFC", base)
    base = "".join(
        char for char in base if unicodedata.category(char)[0] not in ("C", "Z") or char == " "
    )
    base = " ".join(base.split())
    stem = base.rsplit(".", 1)[0] if "." in base else base
    stem = stem.strip(" .") or "document"
    return f"{stem[: MAX_NAME - len(kind) - 1]}.{kind}"


# ---------------------------------------------------------------------------------------------
# Documents on posts


def readable_posts(user: Any, posts: QuerySet[Post], *, board: bool) -> QuerySet[Post]:
    """Of `posts` (already limited to spaces and topics the person may read), those whose
    documents they may open: not removed, and if the board hid the post, only for its author
    and for the board (`board`: `queries.reads_as_board`)."""
    posts = posts.filter(removed_by_author_at__isnull=True)
    if board:
        return posts
    return posts.filter(models.Q(hidden_at__isnull=True) | models.Q(author_id=user.pk))


def may_add_documents(member: Any, post: Post, now: datetime) -> bool:
    return post.removed_by_author_at is None and (
        member.is_board_member or post.can_be_edited(by=member, now=now)
    )


def may_remove_documents(member: Any, post: Post) -> bool:
    """The author may take their documents down whenever they like; the board may too."""
    return post.removed_by_author_at is None and (
        post.author_id == member.pk or member.is_board_member
    )


@transaction.atomic
def add_document(
    *, member: Any, post: Post, upload: UploadedFile, now: datetime | None = None
) -> Attachment:
    """Attach a PDF or Word document to a post. The file is checked before anything is stored."""
    now = now or timezone.now()
    post = Post.objects.select_for_update().get(pk=post.pk)
    if post.removed_by_author_at is not None:
        raise Refused(ResourceRefusal.POST_REMOVED)
    if not member.is_board_member:
        if post.author_id != member.pk:
            raise Refused(ResourceRefusal.NOT_YOURS)
        if not post.can_be_edited(by=member, now=now):
            raise Refused(ResourceRefusal.WINDOW_PASSED)
    if post.attachments.count() >= MAX_DOCUMENTS_PER_POST:
        raise Refused(ResourceRefusal.TOO_MANY)
    kind = document_kind(upload)
    attachment = Attachment(
        post=post,
        name=shown_name(upload.name, kind),
        kind=kind,
        size=upload.size or 0,
        created_at=now,
    )
    # The stored path is storage's and ours alone: a random name in a dated folder.
    attachment.file.save(f"{uuid.uuid4().hex}.{kind}", upload, save=False)
    attachment.save()
    return attachment


@transaction.atomic
def remove_document(*, member: Any, attachment: Attachment) -> None:
    post = Post.objects.select_for_update().get(pk=attachment.post_id)
    if not may_remove_documents(member, post):
        raise Refused(ResourceRefusal.NOT_YOURS)
    forget_documents(Attachment.objects.filter(pk=attachment.pk))


def forget_documents(attachments: QuerySet[Attachment]) -> None:
    """Delete the documents' rows now and their files once the change is committed, so a
    rolled-back change still has its files."""
    paths = [path for path in attachments.values_list("file", flat=True) if path]
    attachments.delete()
    if paths:
        transaction.on_commit(lambda: _delete_files(paths))


def _delete_files(paths: list[str]) -> None:
    for path in paths:
        default_storage.delete(path)


def forget_documents_of(posts: Iterable[Post] | QuerySet[Post]) -> None:
    """A removed post's documents go with its words; called wherever posts are removed."""
    forget_documents(Attachment.objects.filter(post__in=posts))


# ---------------------------------------------------------------------------------------------
# Resources


def board_tags() -> QuerySet[MentoringTopic]:
    """The topic list the programme board keeps (the one mentoring uses), in its order."""
    return MentoringTopic.objects.filter(settings=NetworkSettings.load()).order_by(
        "position", "name"
    )


def may_change_resource(member: Any, topic: Topic, *, board: bool) -> bool:
    """The topic's author, or the board (`board`: `queries.reads_as_board`)."""
    return topic.author_id == member.pk or board


@transaction.atomic
def set_resource(
    *,
    member: Any,
    topic: Topic,
    is_resource: bool,
    tags: Iterable[MentoringTopic] = (),
    board: bool = False,
) -> Topic:
    """Keep a topic as a resource with tags from the board's list, or stop keeping it (its tags
    go too)."""
    topic = Topic.objects.select_for_update().get(pk=topic.pk)
    if not may_change_resource(member, topic, board=board and member.is_board_member):
        raise Refused(ResourceRefusal.NOT_YOUR_TOPIC)
    chosen = {tag.pk for tag in tags} if is_resource else set()
    if chosen - set(board_tags().filter(pk__in=chosen).values_list("pk", flat=True)):
        raise Refused(ResourceRefusal.UNKNOWN_TAG)
    topic.is_resource = is_resource
    topic.save(update_fields=["is_resource"])
    topic.tags.set(chosen)
    return topic
