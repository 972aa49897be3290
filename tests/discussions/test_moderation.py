"""The board's moderation of discussions: hiding and showing a post (its author told why), locking,
pinning and moving a topic, opening a conduct report from a post, and auditing spaces. Each is
audited without a post's words; each refusal says why and changes nothing."""

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client

from board import reports
from board.models import Report
from discussions import moderation, services
from discussions.models import Post, Space, Topic
from discussions.moderation import Refusal
from members.models import User
from network.errors import Refused
from network.models import AuditAction, AuditEvent
from tests.board.support import messages_to
from tests.discussions.support import a_space, category, in_category, signed_in
from tests.factories import BoardMemberFactory, MemberFactory, sign_in_with_mfa

pytestmark = pytest.mark.django_db

WORDS = "Everyone on the panel at St Mary's is hopeless, and here is why."
REASON = "It names colleagues and judges them: the guidelines ask us to keep it kind."


@pytest.fixture
def author() -> User:
    return MemberFactory(name="Siobhan Kelly")


@pytest.fixture
def topic(space: Space, author: User) -> Topic:
    return services.start_topic(author=author, space=space, title="Panel tips", body="Tips?")


@pytest.fixture
def post(topic: Topic, author: User) -> Post:
    return services.reply(author=author, topic=topic, body=WORDS)


@pytest.fixture
def board(board_member: User) -> Client:
    client = Client()
    sign_in_with_mfa(client, board_member)
    return client


def refused(code: Any, call: Callable[..., Any], **kwargs: Any) -> None:
    before = (
        list(Post.objects.order_by("pk").values_list("hidden_at", "hidden_reason")),
        list(Topic.objects.order_by("pk").values_list("locked", "pinned", "space")),
        AuditEvent.objects.count(),
    )
    with pytest.raises(Refused) as raised:
        call(**kwargs)
    assert raised.value.code == code
    assert before == (
        list(Post.objects.order_by("pk").values_list("hidden_at", "hidden_reason")),
        list(Topic.objects.order_by("pk").values_list("locked", "pinned", "space")),
        AuditEvent.objects.count(),
    )


def audited(action: AuditAction) -> AuditEvent:
    return AuditEvent.objects.get(action=action)


def test_hiding_a_post_keeps_its_words_audits_it_and_tells_its_author_why(
    board_member: User, post: Post, author: User
) -> None:
    moderation.hide_post(board_member=board_member, post=post, reason=f"  {REASON} ")

    post.refresh_from_db()
    assert post.hidden_at is not None and post.hidden_reason == REASON and post.body == WORDS
    event = audited(AuditAction.POST_HIDDEN)
    assert (event.actor, event.target_id) == (board_member, str(post.pk))
    assert WORDS not in str(event.data) and "Siobhan" not in str(event.data)
    [told] = messages_to(author.email, "discussions/post_hidden")
    assert REASON in told and "Panel tips" in told and WORDS not in told


def test_a_hidden_post_is_shown_to_its_author_and_the_board_and_marked_for_everyone_else(
    board_member: User, board: Client, post: Post, author: User, member: User
) -> None:
    moderation.hide_post(board_member=board_member, post=post, reason=REASON)
    url = f"/discussions/topics/{post.topic_id}/"

    as_author = signed_in(author).get(url).content.decode()
    assert "is hopeless, and here is why" in as_author
    assert f"Hidden by the programme board: {REASON}" in as_author
    as_board = board.get(url).content.decode()
    assert (
        "is hopeless, and here is why" in as_board and "Hidden by the programme board" in as_board
    )
    # A board member's password alone, without their second factor, opens no more than a member's.
    without_mfa = signed_in(board_member).get(url).content.decode()
    assert "hopeless" not in without_mfa and REASON not in without_mfa
    as_member = signed_in(member).get(url).content.decode()
    assert "This post was hidden by the programme board." in as_member
    assert "hopeless" not in as_member and REASON not in as_member
    # Nothing to report on a post that is hidden.
    assert f"/reports/post/{post.pk}/" not in as_member


def test_hiding_is_refused_twice_without_a_reason_for_a_removed_post_and_for_a_member(
    board_member: User, post: Post, member: User, author: User
) -> None:
    refused(Refusal.NOT_BOARD, moderation.hide_post, board_member=member, post=post, reason=REASON)
    refused(
        Refusal.REASON_REQUIRED,
        moderation.hide_post,
        board_member=board_member,
        post=post,
        reason=" ",
    )
    moderation.hide_post(board_member=board_member, post=post, reason=REASON)
    refused(
        Refusal.ALREADY_HIDDEN,
        moderation.hide_post,
        board_member=board_member,
        post=post,
        reason="Again",
    )
    own = services.reply(author=author, topic=post.topic, body="I take it back.")
    services.remove_own_post(author=author, post=own)
    refused(
        Refusal.REMOVED_BY_AUTHOR,
        moderation.hide_post,
        board_member=board_member,
        post=own,
        reason=REASON,
    )
    assert len(messages_to(author.email, "discussions/post_hidden")) == 1


def test_the_author_cannot_rewrite_a_post_the_board_hid(
    board_member: User, post: Post, author: User
) -> None:
    moderation.hide_post(board_member=board_member, post=post, reason=REASON)
    client = signed_in(author)
    url = f"/discussions/posts/{post.pk}/edit/"

    assert (
        f'href="{url}"' not in client.get(f"/discussions/topics/{post.topic_id}/").content.decode()
    )
    page = client.post(url, {"body": "Something kinder."}).content.decode()

    assert "The programme board has hidden this post, so it cannot be changed." in page
    assert Post.objects.get(pk=post.pk).body == WORDS


def test_showing_a_hidden_post_again(board_member: User, post: Post, member: User) -> None:
    refused(Refusal.NOT_HIDDEN, moderation.unhide_post, board_member=board_member, post=post)
    moderation.hide_post(board_member=board_member, post=post, reason=REASON)
    refused(Refusal.NOT_BOARD, moderation.unhide_post, board_member=member, post=post)

    moderation.unhide_post(board_member=board_member, post=post)

    post.refresh_from_db()
    assert post.hidden_at is None and post.hidden_reason == ""
    assert audited(AuditAction.POST_UNHIDDEN).target_id == str(post.pk)
    page = signed_in(member).get(f"/discussions/topics/{post.topic_id}/").content.decode()
    assert "hopeless" in page


@pytest.mark.parametrize(
    ("switch_on", "switch_off", "field", "on", "off", "again"),
    [
        (
            moderation.lock_topic,
            moderation.unlock_topic,
            "locked",
            AuditAction.TOPIC_LOCKED,
            AuditAction.TOPIC_UNLOCKED,
            (Refusal.ALREADY_LOCKED, Refusal.NOT_LOCKED),
        ),
        (
            moderation.pin_topic,
            moderation.unpin_topic,
            "pinned",
            AuditAction.TOPIC_PINNED,
            AuditAction.TOPIC_UNPINNED,
            (Refusal.ALREADY_PINNED, Refusal.NOT_PINNED),
        ),
    ],
)
def test_locking_and_pinning_switch_once_each_way_and_are_audited(
    board_member: User,
    member: User,
    topic: Topic,
    switch_on: Callable[..., Topic],
    switch_off: Callable[..., Topic],
    field: str,
    on: AuditAction,
    off: AuditAction,
    again: tuple[Refusal, Refusal],
) -> None:
    refused(again[1], switch_off, board_member=board_member, topic=topic)
    refused(Refusal.NOT_BOARD, switch_on, board_member=member, topic=topic)
    switch_on(board_member=board_member, topic=topic)
    topic.refresh_from_db()
    assert getattr(topic, field) is True
    refused(again[0], switch_on, board_member=board_member, topic=topic)
    switch_off(board_member=board_member, topic=topic)
    topic.refresh_from_db()
    assert getattr(topic, field) is False
    assert [e.action for e in AuditEvent.objects.order_by("pk")] == [on, off]


def test_a_locked_topic_refuses_a_reply_with_a_clear_message(
    board_member: User, topic: Topic, member: User
) -> None:
    moderation.lock_topic(board_member=board_member, topic=topic)
    client = signed_in(member)
    page = client.get(f"/discussions/topics/{topic.pk}/").content.decode()
    assert "No one can reply to this topic." in page and "Post your reply" not in page

    response = client.post(f"/discussions/topics/{topic.pk}/reply/", {"body": "Me too"})

    assert response.status_code == 400
    assert "This topic is locked, so no one can reply to it." in response.content.decode()
    assert not Post.objects.filter(body="Me too").exists()


def test_moving_a_topic_changes_who_reads_it(
    board_member: User, topic: Topic, member: User
) -> None:
    allies = a_space("Allies", audience=category("Allies"))
    refused(
        Refusal.SAME_SPACE,
        moderation.move_topic,
        board_member=board_member,
        topic=topic,
        space=topic.space,
    )
    refused(
        Refusal.NOT_BOARD, moderation.move_topic, board_member=member, topic=topic, space=allies
    )

    moderation.move_topic(board_member=board_member, topic=topic, space=allies)

    assert Topic.objects.get(pk=topic.pk).space == allies
    event = audited(AuditAction.TOPIC_MOVED)
    assert event.data == {"from_space": topic.space_id, "to_space": allies.pk}
    # A member outside the new space's audience no longer finds it; one inside does.
    assert signed_in(member).get(f"/discussions/topics/{topic.pk}/").status_code == 404
    ally = in_category(MemberFactory(), "Allies")
    assert signed_in(ally).get(f"/discussions/topics/{topic.pk}/").status_code == 200


def test_the_board_opens_a_conduct_report_from_a_post_once(
    board_member: User, post: Post, author: User, member: User
) -> None:
    with pytest.raises(Refused) as raised:
        reports.escalate_post(board_member=member, post=post, reason="other", details="Rude.")
    assert raised.value.code == reports.Refusal.NOT_BOARD

    report = reports.escalate_post(
        board_member=board_member, post=post, reason="inappropriate", details="Judges colleagues."
    )

    assert (report.subject, report.member, report.target_id) == ("post", author, post.pk)
    event = audited(AuditAction.POST_ESCALATED)
    assert event.data == {"report": report.pk, "topic": post.topic_id}
    with pytest.raises(Refused) as raised:
        reports.escalate_post(board_member=board_member, post=post, reason="other", details="x")
    assert raised.value.code == reports.Refusal.ALREADY_OPEN
    assert Report.objects.count() == 1
    # Whoever opened it cannot decide it: another board member does.
    with pytest.raises(Refused):
        reports.resolve(report=report, board_member=board_member, outcome="note", reason="Noted")


def test_escalating_from_the_board_site_opens_the_report_or_leads_to_the_waiting_one(
    board: Client, post: Post, author: User
) -> None:
    page = board.get(f"/board/discussions/post/{post.pk}/change/").content.decode()
    assert "Open a conduct report about its author" in page and "Hide this post" in page
    url = f"/board/board/report/escalate/{post.pk}/"
    assert board.post(url, {"reason": "inappropriate", "details": ""}).status_code == 200
    assert not Report.objects.exists()

    response = board.post(url, {"reason": "inappropriate", "details": "Judges colleagues."})

    report = Report.objects.get()
    assert response["Location"] == f"/board/board/report/{report.pk}/change/"
    assert board.get(url)["Location"] == f"/board/board/report/{report.pk}/change/"


def test_the_board_hides_posts_from_the_list_with_a_reason(
    board: Client, post: Post, author: User
) -> None:
    chosen = board.post(
        "/board/discussions/post/", {"action": "hide", "_selected_action": [post.pk]}
    )
    assert chosen["Location"] == f"/board/discussions/post/hide/?ids={post.pk}"
    form = board.get(chosen["Location"]).content.decode()
    assert "The posts to hide:" in form and "Siobhan Kelly" in form

    blank = board.post(chosen["Location"], {"reason": ""})
    assert blank.status_code == 200 and Post.objects.get(pk=post.pk).hidden_at is None

    board.post(chosen["Location"], {"reason": REASON})
    assert Post.objects.get(pk=post.pk).hidden_reason == REASON
    again = board.post(chosen["Location"], {"reason": REASON}, follow=True).content.decode()
    assert "This post is already hidden." in again

    board.post("/board/discussions/post/", {"action": "unhide", "_selected_action": [post.pk]})
    assert Post.objects.get(pk=post.pk).hidden_at is None


def test_the_board_locks_pins_and_moves_topics_from_the_list(board: Client, topic: Topic) -> None:
    for action in ("lock", "pin"):
        board.post("/board/discussions/topic/", {"action": action, "_selected_action": [topic.pk]})
    topic.refresh_from_db()
    assert topic.locked and topic.pinned
    again = board.post(
        "/board/discussions/topic/",
        {"action": "lock", "_selected_action": [topic.pk]},
        follow=True,
    ).content.decode()
    assert "This topic is already locked." in again

    allies = a_space("Allies")
    chosen = board.post(
        "/board/discussions/topic/", {"action": "move", "_selected_action": [topic.pk]}
    )
    same = board.post(chosen["Location"], {"space": topic.space_id}, follow=True)
    assert "The topic is already in that space." in same.content.decode()
    board.post(chosen["Location"], {"space": allies.pk})
    assert Topic.objects.get(pk=topic.pk).space == allies


def test_creating_and_changing_a_space_is_audited_without_its_words(board: Client) -> None:
    fields = {
        "name": "Board readiness",
        "slug": "board-readiness",
        "description": "Interviews, board papers and the first year.",
        "position": "1",
    }
    board.post("/board/discussions/space/add/", fields)
    space = Space.objects.get()
    created = audited(AuditAction.SPACE_CREATED)
    assert created.target_id == str(space.pk)
    assert created.data["announcement_only"] is False and created.data["audience"] is None

    board.post(
        f"/board/discussions/space/{space.pk}/change/",
        {**fields, "description": "Private words", "announcement_only": "on"},
    )

    changed = audited(AuditAction.SPACE_CHANGED)
    assert changed.data == {
        "fields": ["announcement_only", "description"],
        "announcement_only": True,
    }
    assert "Private words" not in str(changed.data) and "Interviews" not in str(created.data)


def test_a_member_cannot_reach_the_moderation_pages(post: Post, member: User) -> None:
    client = signed_in(member)
    for url in ("/board/discussions/post/hide/", "/board/discussions/topic/move/"):
        assert client.post(url, {"reason": REASON}).status_code == 302
    assert Post.objects.get(pk=post.pk).hidden_at is None


def test_a_board_member_not_on_the_board_site_is_refused_by_the_function(post: Post) -> None:
    former = BoardMemberFactory()
    former.groups.clear()
    former = User.objects.get(pk=former.pk)
    refused(Refusal.NOT_BOARD, moderation.hide_post, board_member=former, post=post, reason=REASON)
