"""Mentions, quotes and the email that tells a member someone wrote to them.

A member mentions another by typing `@[` the name as it shows beside their posts (or in the
directory) `]`, for example `@[Amara Okafor]`. A name only counts when exactly one active member
who can read the space has it, and never the writer: the rest stays plain text, so naming someone
outside a space neither tells them nor shows a link to them.

One email per post per person, whichever reasons they have (their topic was replied to, their
post quoted, their name mentioned), never to the writer, and only to active members who can read
the space, asked again when the email is sent: a post hidden or removed by then sends nothing.
"""

import re
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils.safestring import SafeString

from discussions.models import POSTS_PER_PAGE, Mention, Post, Space, Topic, author_name
from network.links import absolute_url
from network.mail import NotNeeded, Recipient, builds_context, queue_emails
from network.markdown import render_markdown
from network.models import EmailCategory

MENTION = re.compile(r"@\[([^\[\]\n]{1,150})\]")
NOTICE = "discussions/post_notice"

# What the email says happened, most personal first: a person with two reasons reads the first.
MENTIONED = "mentioned"
QUOTED = "quoted"
REPLIED = "replied"
WHAT_HAPPENED = {
    MENTIONED: "mentioned you in",
    QUOTED: "quoted your post in",
    REPLIED: "replied to your topic",
}
SUBJECTS = {
    MENTIONED: "You were mentioned in a discussion",
    QUOTED: "Your post was quoted in a discussion",
    REPLIED: "A new reply to your topic",
}


def _key(name: str) -> str:
    return " ".join(name.split()).casefold()


def mentioned_names(body: str) -> set[str]:
    return {_key(name) for name in MENTION.findall(body) if name.strip()}


def readers(space: Space) -> QuerySet[Any]:
    """Active members who can read the space: the same rule as `Space.objects.visible_to`."""
    members = get_user_model().objects.filter(is_active=True)
    if space.audience_id is not None:
        members = members.filter(profile__category_id=space.audience_id)
    return members


def resolve(body: str, *, space: Space, author: Any) -> list[Any]:
    """The members a post's `@[name]`s name: each name that fits exactly one reader of the space
    other than the writer (a name two members share names no one)."""
    names = mentioned_names(body)
    if not names:
        return []
    found = (
        readers(space)
        .exclude(pk=author.pk)
        .annotate(key=Lower("name"), shown=Lower("profile__display_name"))
        .filter(Q(key__in=names) | Q(shown__in=names))
        .only("pk", "name")
    )
    by_name: dict[str, set[int]] = {}
    members: dict[int, Any] = {}
    for member in found:
        members[member.pk] = member
        for key in {_key(member.name), _key(member.shown or "")} & names:
            by_name.setdefault(key, set()).add(member.pk)
    chosen = {next(iter(ids)) for ids in by_name.values() if len(ids) == 1}
    return [members[pk] for pk in sorted(chosen)]


def record_mentions(post: Post, *, space: Space, author: Any) -> set[int]:
    """Keep a Mention row for each member the post names; the ids of those named for the first
    time in this post (an edit tells only them)."""
    named = {member.pk for member in resolve(post.body, space=space, author=author)}
    if not named:
        return set()
    before = set(Mention.objects.filter(post=post).values_list("member_id", flat=True))
    new = named - before
    Mention.objects.bulk_create(
        [Mention(post=post, member_id=pk) for pk in new], ignore_conflicts=True
    )
    return new


def tell(post: Post, *, topic: Topic, reasons: dict[int, str]) -> int:
    """Queue one notice for each member with a reason, leaving out the writer and anyone who
    cannot read the space; returns how many were queued."""
    reasons = {pk: why for pk, why in reasons.items() if pk != post.author_id}
    if not reasons:
        return 0
    members = readers(topic.space).filter(pk__in=reasons).only("pk", "email")
    return len(
        queue_emails(
            NOTICE,
            [
                Recipient(
                    member.email,
                    member.pk,
                    {"post_id": post.pk, "member_id": member.pk, "why": reasons[member.pk]},
                )
                for member in members
            ],
            category=EmailCategory.DISCUSSION_REPLIES,
        )
    )


def after_writing(
    post: Post,
    *,
    topic: Topic,
    new_mentions: Iterable[int],
    quoted: Post | None = None,
    is_reply: bool = False,
) -> int:
    """Tell those a new or changed post concerns: newly mentioned members, the author of the
    post it quotes and, for a reply, the topic's author. Each hears once, for the most personal
    reason."""
    reasons: dict[int, str] = {}
    if is_reply:
        reasons[topic.author_id] = REPLIED
    if quoted is not None:
        reasons[quoted.author_id] = QUOTED
    for pk in new_mentions:
        reasons[pk] = MENTIONED
    return tell(post, topic=topic, reasons=reasons)


# Quoting


def quotable(posts: QuerySet[Post], pk: object, *, topic_id: int) -> Post | None:
    """The post a reply may quote: one of `posts` (those the reader can see) in this topic,
    neither removed by its author nor hidden by the board."""
    if not isinstance(pk, int | str) or not str(pk).isdigit() or len(str(pk)) > 12:
        return None
    return (
        posts.filter(
            pk=int(pk),
            topic_id=topic_id,
            removed_by_author_at__isnull=True,
            hidden_at__isnull=True,
        )
        .select_related("author")
        .first()
    )


def quote_text(post: Post) -> str:
    """The quoted post as a Markdown quote naming its author. Its mentions lose their brackets,
    so quoting a post does not mention its people again."""
    body = MENTION.sub(lambda m: "@" + m.group(1), post.body)
    lines = "\n".join(f"> {line}".rstrip() for line in body.splitlines())
    return f"> **{author_name(post.author)}** wrote:\n>\n{lines}\n\n"


def quote_initial(posts: QuerySet[Post], pk: object, *, topic_id: int) -> dict[str, Any]:
    """The reply form's starting words for `?quote=<post id>`: nothing if it cannot be quoted."""
    quoted = quotable(posts, pk, topic_id=topic_id) if pk else None
    return {"body": quote_text(quoted), "reply_to": quoted.pk} if quoted else {}


# Showing mentions


def mention_links(posts: Iterable[Post]) -> dict[int, dict[str, str]]:
    """For each post, its mentioned members' names (as a key) and profile addresses: one query."""
    ids = [post.pk for post in posts]
    links: dict[int, dict[str, str]] = {}
    if not ids:
        return links
    # Only to a profile the directory shows: active members who have one.
    rows = Mention.objects.filter(
        post_id__in=ids, member__is_active=True, member__profile__isnull=False
    ).values_list("post_id", "member_id", "member__name", "member__profile__display_name")
    for post_id, member_id, name, shown in rows:
        url = reverse("members:profile", args=[member_id])
        for key in {_key(name or ""), _key(shown or "")} - {""}:
            links.setdefault(post_id, {})[key] = url
    return links


def attach_mention_links(posts: list[Post]) -> None:
    links = mention_links(posts)
    for post in posts:
        post.mention_links = links.get(post.pk, {})  # type: ignore[attr-defined]


def render_post(body: str, links: dict[str, str]) -> SafeString:
    """The post's Markdown as safe HTML, each recorded mention a link to the member's profile.
    The link is made in the Markdown, before nh3 cleans the whole of it."""

    def link(match: re.Match[str]) -> str:
        url = links.get(_key(match.group(1)))
        return f"[@{match.group(1)}]({url})" if url else match.group(0)

    return render_markdown(MENTION.sub(link, body) if links else body)


# The email, read from the records when it is sent


@builds_context(NOTICE)
def notice_context(context: dict[str, Any]) -> dict[str, Any]:
    post = Post.objects.select_related("author", "topic__space").get(pk=context["post_id"])
    topic = post.topic
    member = get_user_model().objects.get(pk=context["member_id"])
    still_readable = (
        readers(topic.space).filter(pk=member.pk).exists()
        and not topic.hidden
        and post.removed_by_author_at is None
        and post.hidden_at is None
    )
    if not still_readable:
        raise NotNeeded
    before = Post.objects.filter(topic=topic).filter(
        Q(created_at__lt=post.created_at) | Q(created_at=post.created_at, pk__lt=post.pk)
    )
    page = before.count() // POSTS_PER_PAGE + 1
    path = reverse("discussions:topic", args=[topic.pk]) + f"?page={page}#post-{post.pk}"
    return {
        "name": member.name or "member",
        "writer": author_name(post.author),
        "what_happened": WHAT_HAPPENED[context["why"]],
        "topic_title": topic.title,
        "space_name": topic.space.name,
        "post_url": absolute_url(path),
        "subject": SUBJECTS[context["why"]],
    }
