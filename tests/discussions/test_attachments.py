"""Documents on posts: uploaded through the real pages, checked from their content, stored
privately and opened only by those who may read the post."""

import io
import json
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from discussions import resources, services
from discussions.models import Attachment, Post, Space, Topic
from members.models import User
from members.services import delete_account, erase_member
from network.personal_data import export_for
from tests.discussions.support import a_space, category, in_category, signed_in
from tests.factories import BoardMemberFactory, MemberFactory, sign_in_with_mfa

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def docx_bytes(*, parts: tuple[str, ...] = ("[Content_Types].xml", "word/document.xml")) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for part in parts:
            archive.writestr(part, "<xml/>")
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/pdf") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture(autouse=True)
def private_media(settings, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


@pytest.fixture
def author() -> User:
    return MemberFactory(name="Amara Okafor")


@pytest.fixture
def topic(space: Space, author: User) -> Topic:
    return services.start_topic(
        author=author, space=space, title="Job descriptions", body="Here is the one I used."
    )


@pytest.fixture
def post(topic: Topic) -> Post:
    return topic.posts.get()


def add_url(post: Post) -> str:
    return reverse("discussions:add_document", args=[post.pk])


def send(client: Client, post: Post, document: SimpleUploadedFile) -> str:
    response = client.post(add_url(post), {"document": document}, follow=True)
    return response.content.decode()


def board_client(board: User) -> Client:
    client = Client()
    sign_in_with_mfa(client, board)
    return client


def stored_files(root: Path) -> list[Path]:
    return [path for path in root.rglob("*") if path.is_file()]


def test_the_author_adds_a_pdf_and_a_word_document_that_members_see_and_download(
    author: User, member: User, post: Post, private_media: Path
) -> None:
    client = signed_in(author)
    page = send(client, post, upload("../../etc/NED job description.PDF", PDF))
    assert "NED job description.pdf has been added to your post." in page
    page = send(client, post, upload("notes.docx", docx_bytes(), "application/msword"))
    assert "notes.docx has been added" in page
    pdf, docx = Attachment.objects.order_by("pk")
    assert (pdf.name, pdf.kind, pdf.size) == ("NED job description.pdf", "pdf", len(PDF))
    assert docx.kind == "docx"
    # Storage names the file: nothing of what the member's browser sent is in its path.
    assert "job" not in pdf.file.name and ".." not in pdf.file.name
    assert pdf.file.name.startswith("discussions/") and pdf.file.name.endswith(".pdf")
    assert len(stored_files(private_media)) == 2

    topic_page = signed_in(member).get(reverse("discussions:topic", args=[post.topic_id]))
    text = topic_page.content.decode()
    assert "NED job description.pdf" in text and "notes.docx" in text and "Word document" in text
    assert reverse("discussions:document", args=[pdf.pk]) in text

    response = signed_in(member).get(reverse("discussions:document", args=[pdf.pk]))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == PDF  # type: ignore[attr-defined]
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "NED job description.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    word = signed_in(member).get(reverse("discussions:document", args=[docx.pk]))
    assert word["Content-Type"] == resources.CONTENT_TYPES[Attachment.Kind.DOCX]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("setup.pdf", b"MZ\x90\x00" + b"\x00" * 200, "must be a PDF or a Word document"),
        ("empty.pdf", b"", "The file you chose is empty."),
        ("random.docx", b"PK\x03\x04 not really a zip", "must be a PDF or a Word document"),
        ("other.docx", docx_bytes(parts=("[Content_Types].xml", "xl/workbook.xml")), "Word"),
        ("page.pdf", b"<html><script>alert(1)</script>", "must be a PDF or a Word document"),
    ],
)
def test_a_file_that_is_not_a_document_is_refused_and_nothing_is_stored(
    author: User, post: Post, private_media: Path, name: str, content: bytes, message: str
) -> None:
    response = signed_in(author).post(add_url(post), {"document": upload(name, content)})
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page and message in page
    assert not Attachment.objects.exists()
    assert stored_files(private_media) == []


def test_an_oversize_file_is_refused_with_the_limit(
    author: User, post: Post, private_media: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(resources, "MAX_DOCUMENT_BYTES", 1024)
    big = upload("big.pdf", PDF + b"0" * 2000)
    response = signed_in(author).post(add_url(post), {"document": big})
    assert response.status_code == 400
    assert "The file must be smaller than" in response.content.decode()
    assert not Attachment.objects.exists() and stored_files(private_media) == []


def test_a_zip_bomb_is_judged_by_its_directory_alone(author: User, post: Post) -> None:
    # Claims a gigabyte once unpacked: refused from the directory, nothing is decompressed.
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<xml/>")
        archive.writestr("word/document.xml", b"\x00" * (250 * 1024 * 1024))
    response = signed_in(author).post(
        add_url(post), {"document": upload("bomb.docx", buffer.getvalue())}
    )
    assert response.status_code == 400
    assert not Attachment.objects.exists()


def test_a_sixth_document_is_refused(author: User, post: Post, private_media: Path) -> None:
    client = signed_in(author)
    for number in range(resources.MAX_DOCUMENTS_PER_POST):
        send(client, post, upload(f"guide {number}.pdf", PDF))
    response = client.post(add_url(post), {"document": upload("one more.pdf", PDF)})
    assert response.status_code == 400
    assert "A post can have up to 5 documents" in response.content.decode()
    assert post.attachments.count() == 5
    assert len(stored_files(private_media)) == 5


def test_no_file_chosen_gets_a_clear_message(author: User, post: Post) -> None:
    response = signed_in(author).post(add_url(post), {})
    assert response.status_code == 400
    assert "Choose a PDF or Word document to add." in response.content.decode()


def test_only_the_author_in_the_edit_window_or_the_board_adds_documents(
    author: User, member: User, post: Post
) -> None:
    # Someone else's post: the page is not there for them.
    assert signed_in(member).get(add_url(post)).status_code == 404
    response = signed_in(member).post(add_url(post), {"document": upload("x.pdf", PDF)})
    assert response.status_code == 404
    # The author, after the window: told why, nothing stored.
    Post.objects.filter(pk=post.pk).update(created_at=timezone.now() - timedelta(hours=1))
    page = signed_in(author).get(add_url(post)).content.decode()
    assert "first 30 minutes" in page and 'type="file"' not in page
    response = signed_in(author).post(add_url(post), {"document": upload("x.pdf", PDF)})
    assert "first 30 minutes" in response.content.decode()
    assert not Attachment.objects.exists()
    # A board member signed in with a password alone: as for any other member.
    board = BoardMemberFactory()
    topic_url = reverse("discussions:topic", args=[post.topic_id])
    assert add_url(post) not in signed_in(board).get(topic_url).content.decode()
    assert add_url(post) in board_client(board).get(topic_url).content.decode()
    assert (
        signed_in(board).post(add_url(post), {"document": upload("x.pdf", PDF)}).status_code == 404
    )
    assert not Attachment.objects.exists()
    # The board, with its second factor, any time.
    send(board_client(board), post, upload("x.pdf", PDF))
    assert post.attachments.count() == 1
    remove = reverse("discussions:remove_document", args=[post.attachments.get().pk])
    assert signed_in(board).post(remove).status_code == 404
    assert post.attachments.count() == 1


def test_the_author_removes_a_document_and_its_file_goes(
    author: User, member: User, post: Post, private_media: Path, django_capture_on_commit_callbacks
) -> None:
    client = signed_in(author)
    send(client, post, upload("guide.pdf", PDF))
    document = post.attachments.get()
    remove = reverse("discussions:remove_document", args=[document.pk])
    # Someone else cannot.
    assert signed_in(member).post(remove).status_code == 404
    assert post.attachments.exists()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(remove, follow=True)
    assert "guide.pdf has been removed." in response.content.decode()
    assert not post.attachments.exists() and stored_files(private_media) == []
    assert (
        signed_in(member).get(reverse("discussions:document", args=[document.pk])).status_code
        == 404
    )


def test_removing_a_post_removes_its_documents(
    author: User, member: User, post: Post, private_media: Path, django_capture_on_commit_callbacks
) -> None:
    send(signed_in(author), post, upload("guide.pdf", PDF))
    document = post.attachments.get()
    with django_capture_on_commit_callbacks(execute=True):
        signed_in(author).post(reverse("discussions:remove_post", args=[post.pk]))
    assert not Attachment.objects.exists() and stored_files(private_media) == []
    assert (
        signed_in(member).get(reverse("discussions:document", args=[document.pk])).status_code
        == 404
    )


# ---------------------------------------------------------------------------------------------
# Who may open a document


@pytest.fixture
def document(author: User, post: Post) -> Attachment:
    return resources.add_document(member=author, post=post, upload=upload("guide.pdf", PDF))


def opens(user: User | None, document: Attachment) -> int:
    client = signed_in(user) if user else Client()
    return client.get(reverse("discussions:document", args=[document.pk])).status_code


def test_a_signed_out_visitor_is_sent_to_sign_in(document: Attachment) -> None:
    response = Client().get(reverse("discussions:document", args=[document.pk]))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    response = Client().get(add_url(document.post))
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_a_document_in_a_space_for_another_group_is_not_there(author: User, member: User) -> None:
    allies = a_space("Allies", audience=category("Ally"))
    in_category(author, "Ally")
    topic = services.start_topic(author=author, space=allies, title="Allyship", body="A guide.")
    post = topic.posts.get()
    document = resources.add_document(member=author, post=post, upload=upload("a.pdf", PDF))
    assert opens(member, document) == 404
    assert signed_in(member).get(add_url(post)).status_code == 404
    assert opens(in_category(MemberFactory(), "Ally"), document) == 200


def test_a_document_in_a_hidden_topic_is_not_there(
    member: User, author: User, document: Attachment
) -> None:
    Topic.objects.filter(pk=document.post.topic_id).update(hidden=True)
    assert opens(member, document) == 404
    assert opens(author, document) == 404


def test_a_document_on_a_hidden_post_opens_only_for_the_board_and_its_author(
    member: User, author: User, document: Attachment
) -> None:
    Post.objects.filter(pk=document.post_id).update(
        hidden_at=timezone.now(), hidden_reason="Shares a colleague's details."
    )
    assert opens(member, document) == 404
    assert opens(author, document) == 200
    board = BoardMemberFactory()
    assert opens(board, document) == 404  # a password alone opens no more than a member's
    assert (
        board_client(board).get(reverse("discussions:document", args=[document.pk])).status_code
        == 200
    )
    page = signed_in(member).get(reverse("discussions:topic", args=[document.post.topic_id]))
    assert "guide.pdf" not in page.content.decode()


def test_a_suspended_member_opens_nothing(member: User, document: Attachment) -> None:
    client = signed_in(member)
    User.objects.filter(pk=member.pk).update(is_active=False)
    assert client.get(reverse("discussions:document", args=[document.pk])).status_code in (
        302,
        404,
    )


# ---------------------------------------------------------------------------------------------
# The member's data


def test_the_data_download_lists_documents_by_name_not_content(
    author: User, document: Attachment
) -> None:
    data = json.loads(json.dumps(export_for(author), default=str))["discussions"]
    [listed] = data["documents"]
    assert listed["name"] == "guide.pdf" and listed["kind"] == "PDF"
    assert listed["size_in_bytes"] == len(PDF) and listed["topic"] == "Job descriptions"
    assert "%PDF" not in json.dumps(data)


def test_a_departing_members_documents_stay_with_their_kept_posts(
    author: User, member: User, document: Attachment
) -> None:
    erase_member(user=author, actor=author, reason="")
    assert opens(member, document) == 200
    assert default_storage.exists(document.file.name)


def test_a_member_leaving_with_their_posts_takes_their_documents(
    author: User,
    member: User,
    document: Attachment,
    private_media: Path,
    django_capture_on_commit_callbacks,  # type: ignore[no-untyped-def]
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        delete_account(user=author, remove_posts=True)
    assert not Attachment.objects.exists() and stored_files(private_media) == []
    assert opens(member, document) == 404
