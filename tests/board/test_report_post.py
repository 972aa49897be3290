"""Reporting a discussion post: from the post itself, only a post one can read and did not write;
the board reads the post as it is now, and its author never reads the report."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from board.models import Report
from discussions import services
from discussions.models import Post
from members.models import User
from tests.board.support import DETAILS
from tests.discussions.support import a_space, category, signed_in
from tests.factories import MemberFactory, sign_in_with_mfa

pytestmark = pytest.mark.django_db

WORDS = "Anyone who trained abroad will never make a good chair."


@pytest.fixture
def author() -> User:
    return MemberFactory(name="Siobhan Kelly")


@pytest.fixture
def post(author: User) -> Post:
    topic = services.start_topic(
        author=author, space=a_space(), title="Chairing well", body="What makes a good chair?"
    )
    return services.reply(author=author, topic=topic, body=WORDS)


def concern() -> dict[str, str]:
    return {"reason": "discrimination", "details": DETAILS, "evidence_link": ""}


def test_a_member_reports_a_post_from_the_topic(member: User, post: Post, author: User) -> None:
    client = signed_in(member)
    page = client.get(f"/discussions/topics/{post.topic_id}/").content.decode()
    assert f'href="/reports/post/{post.pk}/"' in page and "Report this post" in page

    form = client.get(f"/reports/post/{post.pk}/").content.decode()
    assert "Report a concern" in form and "Chairing well" in form

    response = client.post(f"/reports/post/{post.pk}/", concern())

    assert response["Location"] == "/reports/received/"
    report = Report.objects.get()
    assert (report.subject, report.member, report.reporter) == ("post", author, member)
    assert (report.target_type, report.target_id) == ("discussions.Post", post.pk)


def test_a_member_outside_the_space_cannot_report_or_see_its_post(post: Post) -> None:
    post.topic.space.audience = category("Allies")
    post.topic.space.save()
    outsider = signed_in(MemberFactory())
    assert outsider.get(f"/reports/post/{post.pk}/").status_code == 404
    assert outsider.post(f"/reports/post/{post.pk}/", concern()).status_code == 404
    assert not Report.objects.exists()


def test_ones_own_post_offers_no_report_and_a_forged_one_is_refused(
    post: Post, author: User
) -> None:
    client = signed_in(author)
    page = client.get(f"/discussions/topics/{post.topic_id}/").content.decode()
    assert "Report this post" not in page

    response = client.post(f"/reports/post/{post.pk}/", concern(), follow=True)

    assert "You cannot report your own post." in response.content.decode()
    assert not Report.objects.exists()


def test_a_removed_post_cannot_be_reported(member: User, post: Post, author: User) -> None:
    services.remove_own_post(author=author, post=post)
    assert signed_in(member).post(f"/reports/post/{post.pk}/", concern()).status_code == 404


def test_the_author_never_reads_the_report_and_the_board_reads_the_post_as_it_is_now(
    member: User, post: Post, author: User, board_member: User
) -> None:
    signed_in(member).post(f"/reports/post/{post.pk}/", concern())
    report = Report.objects.get()
    as_author = signed_in(author)
    for url in ("/reports/", f"/discussions/topics/{post.topic_id}/"):
        assert DETAILS not in as_author.get(url).content.decode()

    board = Client()
    sign_in_with_mfa(board, board_member)
    page = board.get(f"/board/board/report/{report.pk}/change/").content.decode()
    assert "Chairing well" in page and WORDS in page
    assert f'href="/board/discussions/post/{post.pk}/change/"' in page
    assert f'href="/discussions/topics/{post.topic_id}/#post-{post.pk}"' in page
    assert "Not edited since it was written." in page
    assert f"/board/discussions/post/hide/?ids={post.pk}&amp;report={report.pk}" in page
    assert "Hide this post" in page

    services.edit_post(
        author=author,
        post=post,
        body="I should not have said that.",
        now=post.created_at + timedelta(minutes=5),
    )
    Report.objects.filter(pk=report.pk).update(created_at=timezone.now() - timedelta(days=1))
    page = board.get(f"/board/board/report/{report.pk}/change/").content.decode()
    assert "Edited by its author after it was reported" in page
    assert "I should not have said that." in page
