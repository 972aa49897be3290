"""Mentions, quotes and the email a member gets when someone replies to their topic, quotes their
post or mentions them: one email per post per person, only to active members who can read the
space, never to the writer, and none for someone who turned the category off."""

from datetime import timedelta
from typing import Any

import pytest
from django.core import mail as django_mail
from django.urls import reverse
from django.utils import timezone

from discussions import notify, services
from discussions.models import Mention, Post, Space, Topic
from members.models import User
from network import mail
from network.models import EmailCategory, OutboundEmail
from tests.discussions.support import a_space, category, in_category, signed_in
from tests.factories import MemberFactory

pytestmark = pytest.mark.django_db

NOTICE = notify.NOTICE


@pytest.fixture
def topic(space: Space, member: User) -> Topic:
    return services.start_topic(
        author=member, space=space, title="Chairing well", body="What helped you?"
    )


def notices(to: User | None = None) -> list[OutboundEmail]:
    sent = OutboundEmail.objects.filter(template=NOTICE).order_by("pk")
    return list(sent.filter(recipient=to) if to else sent)


def test_a_mention_is_recorded_emailed_and_linked_to_the_profile(
    space: Space, topic: Topic, member: User, mei: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        post = services.reply(author=mei, topic=topic, body="I agree with @[amara  okafor].")
    assert list(Mention.objects.filter(post=post).values_list("member", flat=True)) == [member.pk]
    [notice] = notices()
    assert notice.recipient_id == member.pk and notice.context["why"] == notify.MENTIONED
    assert notice.category == EmailCategory.DISCUSSION_REPLIES
    [message] = django_mail.outbox
    assert message.to == [member.email]
    assert "Mei Chen mentioned you in" in message.body and "Chairing well" in message.body
    # The email says who wrote where, with a link, and not what they wrote.
    assert "I agree" not in message.body
    assert f"/discussions/topics/{topic.pk}/?page=1#post-{post.pk}" in message.body
    page = signed_in(mei).get(reverse("discussions:topic", args=[topic.pk])).content.decode()
    profile = reverse("members:profile", args=[member.pk])
    assert f'<a href="{profile}" rel="nofollow noopener">@amara  okafor</a>' in page


def test_a_member_outside_the_audience_is_neither_told_nor_linked(
    member: User, mei: User, django_capture_on_commit_callbacks: Any
) -> None:
    allies = a_space("Allies", audience=category("Ally"))
    in_category(mei, "Ally")
    topic = services.start_topic(author=mei, space=allies, title="Speaking up", body="Hello")
    with django_capture_on_commit_callbacks(execute=True):
        services.reply(author=mei, topic=topic, body="What would @[Amara Okafor] say?")
    assert not Mention.objects.exists()
    assert not notices() and not django_mail.outbox
    page = signed_in(mei).get(reverse("discussions:topic", args=[topic.pk])).content.decode()
    assert "@[Amara Okafor]" in page
    assert reverse("members:profile", args=[member.pk]) not in page


def test_no_one_is_told_of_their_own_name_an_inactive_member_or_a_name_two_share(
    topic: Topic, member: User, mei: User
) -> None:
    MemberFactory(name="Sam Patel")
    MemberFactory(name="Sam Patel")
    gone: User = MemberFactory(name="Tomasz Nowak")
    User.objects.filter(pk=gone.pk).update(is_active=False)
    services.reply(
        author=mei,
        topic=topic,
        body="@[Mei Chen], @[Sam Patel], @[Tomasz Nowak] and @[Nobody Here].",
    )
    assert not Mention.objects.exists()
    # The topic's author still hears of the reply.
    assert [n.recipient_id for n in notices()] == [member.pk]


def test_a_display_name_from_the_directory_works_too(topic: Topic, mei: User) -> None:
    siobhan: User = MemberFactory(name="Siobhan Kelly")
    siobhan.profile.display_name = "Shiv Kelly"
    siobhan.profile.save()
    services.reply(author=mei, topic=topic, body="Ask @[Shiv Kelly].")
    assert [n.recipient_id for n in notices(siobhan)] == [siobhan.pk]


def test_editing_tells_only_the_newly_mentioned(
    topic: Topic, member: User, mei: User, space: Space
) -> None:
    siobhan: User = MemberFactory(name="Siobhan Kelly")
    post = services.reply(author=mei, topic=topic, body="Ask @[Siobhan Kelly].")
    assert len(notices(siobhan)) == 1
    services.edit_post(
        author=mei, post=post, body="Ask @[Siobhan Kelly] or @[Amara Okafor], or @[Mei Chen]."
    )
    assert len(notices(siobhan)) == 1
    # Amara heard of the reply to her topic and now of the mention: two posts' worth, one each.
    assert [n.context["why"] for n in notices(member)] == [notify.REPLIED, notify.MENTIONED]
    assert not notices(mei)


def test_one_email_for_a_person_mentioned_quoted_and_replied_to(
    topic: Topic, member: User, mei: User
) -> None:
    opening = topic.posts.get()
    services.reply(
        author=mei,
        topic=topic,
        body="> What helped you?\n\nYes, @[Amara Okafor].",
        reply_to=str(opening.pk),
    )
    [notice] = notices()
    assert notice.recipient_id == member.pk and notice.context["why"] == notify.MENTIONED


def test_an_opted_out_member_gets_no_email(topic: Topic, member: User, mei: User) -> None:
    mail.opt_out(email=member.email, category=EmailCategory.DISCUSSION_REPLIES)
    services.reply(author=mei, topic=topic, body="@[Amara Okafor] thank you.")
    [notice] = notices()
    assert notice.status == OutboundEmail.Status.SUPPRESSED


def test_a_notice_is_not_sent_once_the_post_is_removed_or_the_member_cannot_read_the_space(
    topic: Topic, member: User, mei: User, django_capture_on_commit_callbacks: Any
) -> None:
    post = services.reply(author=mei, topic=topic, body="@[Amara Okafor] thank you.")
    context = notices()[0].context
    Post.objects.filter(pk=post.pk).update(hidden_at=timezone.now())
    with pytest.raises(mail.NotNeeded):
        notify.notice_context(context)
    Post.objects.filter(pk=post.pk).update(hidden_at=None)
    User.objects.filter(pk=member.pk).update(is_active=False)
    with pytest.raises(mail.NotNeeded):
        notify.notice_context(context)


def test_a_quote_opens_the_reply_form_with_the_post_and_links_the_reply(
    topic: Topic, member: User, mei: User, django_capture_on_commit_callbacks: Any
) -> None:
    opening = topic.posts.get()
    Post.objects.filter(pk=opening.pk).update(body="Mentoring helped, @[Mei Chen].\nAnd sleep.")
    client = signed_in(mei)
    url = reverse("discussions:topic", args=[topic.pk])
    page = client.get(url + f"?quote={opening.pk}").content.decode()
    quoted = (
        "&gt; **Amara Okafor** wrote:\n&gt;\n&gt; Mentoring helped, @Mei Chen.\n&gt; And sleep."
    )
    assert quoted in page
    assert f'name="reply_to" value="{opening.pk}"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("discussions:reply", args=[topic.pk]),
            {"body": "> Mentoring helped\n\nSame for me.", "reply_to": str(opening.pk)},
        )
    assert response.status_code == 302
    reply = Post.objects.latest("pk")
    assert reply.reply_to_id == opening.pk
    [notice] = notices()
    assert notice.recipient_id == member.pk and notice.context["why"] == notify.QUOTED
    assert "Mei Chen quoted your post in" in django_mail.outbox[0].body


def test_a_removed_hidden_or_unseen_post_cannot_be_quoted(
    space: Space, topic: Topic, member: User, mei: User
) -> None:
    removed = services.reply(author=member, topic=topic, body="Gone soon.")
    services.remove_own_post(author=member, post=removed)
    hidden = services.reply(author=member, topic=topic, body="Hidden soon.")
    Post.objects.filter(pk=hidden.pk).update(hidden_at=timezone.now())
    allies = a_space("Allies", audience=category("Ally"))
    siobhan: User = MemberFactory(name="Siobhan Kelly")
    ally = in_category(siobhan, "Ally")
    secret = services.start_topic(author=ally, space=allies, title="Ours", body="Private words")
    elsewhere = secret.posts.get()
    client = signed_in(mei)
    url = reverse("discussions:topic", args=[topic.pk])
    for pk in (removed.pk, hidden.pk, elsewhere.pk, "x1", "99999999999999"):
        page = client.get(url + f"?quote={pk}").content.decode()
        assert "wrote:" not in page and 'name="reply_to" value=' not in page
        assert "Private words" not in page
    before = Post.objects.count()
    services.reply(author=mei, topic=topic, body="Replying anyway.", reply_to=hidden.pk)
    services.reply(author=mei, topic=topic, body="And here.", reply_to=elsewhere.pk)
    assert Post.objects.count() == before + 2
    assert not Post.objects.filter(reply_to__isnull=False).exists()
    assert not notices(ally)


def test_a_hostile_name_in_a_mention_stays_text(topic: Topic, mei: User) -> None:
    hostile: User = MemberFactory(name="<script>alert(1)</script>")
    services.reply(
        author=mei,
        topic=topic,
        body="@[<script>alert(1)</script>] and @[x](javascript:alert(1)) and @[Amara Okafor]",
    )
    assert Mention.objects.filter(member=hostile).exists()
    page = signed_in(mei).get(reverse("discussions:topic", args=[topic.pk])).content.decode()
    assert "<script>alert" not in page
    assert 'href="javascript:' not in page and "<script>" not in page.split("<main")[1]


def test_the_notice_is_not_sent_for_an_old_reply_edited_outside_the_window(
    topic: Topic, mei: User
) -> None:
    post = services.reply(
        author=mei, topic=topic, body="Hello", now=timezone.now() - timedelta(hours=1)
    )
    with pytest.raises(Exception, match="30 minutes"):
        services.edit_post(author=mei, post=post, body="Hello @[Amara Okafor]")
    assert not Mention.objects.exists()


def test_a_topic_author_who_can_no_longer_read_the_space_hears_nothing(mei: User) -> None:
    allies = a_space("Allies", audience=category("Ally"))
    siobhan: User = MemberFactory(name="Siobhan Kelly")
    in_category(siobhan, "Ally")
    in_category(mei, "Ally")
    topic = services.start_topic(author=siobhan, space=allies, title="Speaking up", body="Hi")
    in_category(siobhan, "Mentor")
    services.reply(author=mei, topic=topic, body="Thank you, @[Siobhan Kelly].")
    assert not notices() and not Mention.objects.exists()
