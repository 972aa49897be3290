"""A member who deletes their account may take their discussion posts with them.

By default their posts stay, under "a former member" (the account row keeps no name). If they
choose to remove them, each post reads "Post removed by its author", as if they had removed it
themselves, with its attachments and mentions gone, and where another member quoted it the
quote says so too. A topic they started keeps the replies other members wrote, since those are
other members' words; its title was the leaver's, so it becomes `REMOVED_TITLE`. A topic no one
else replied to holds nothing but the leaver's words and is hidden altogether. Either way,
others' quotes and mentions of them name "a former member".

When the board removes a member, their posts stay as a former member's: removal is the board's
decision, and taking words out of other members' conversations is the author's choice alone.
"""

from typing import Any

from django.db.models import Exists, OuterRef
from django.utils import timezone

from discussions import notify, resources
from discussions.models import FORMER_MEMBER, Attachment, Mention, Post, Topic, author_name
from members.models import Profile

REMOVED_TITLE = "Title removed by its author"
REMOVED_QUOTE = f"> **{FORMER_MEMBER}** wrote:\n>\n> Post removed by its author."


def remove_posts_of(user: Any) -> None:
    now = timezone.now()
    _rewrite_quotes_of(user, words=True)
    resources.forget_documents(Attachment.objects.filter(post__author=user))
    Mention.objects.filter(post__author=user).delete()
    Post.objects.filter(author=user, removed_by_author_at__isnull=True).update(
        body="", removed_by_author_at=now
    )
    others_replied = Exists(Post.objects.filter(topic=OuterRef("pk")).exclude(author=user))
    started = Topic.objects.filter(author=user).annotate(others_replied=others_replied)
    started.filter(others_replied=False).update(hidden=True, title=REMOVED_TITLE)
    started.filter(others_replied=True).update(title=REMOVED_TITLE)


def forget_name_in_posts(user: Any) -> None:
    """On erasure, before the name goes: where others quoted or mentioned the member, their
    posts name "a former member" instead (the words quoted stay, unless the member took them)."""
    _rewrite_quotes_of(user, words=False)
    shown = Profile.objects.filter(user=user).values_list("display_name", flat=True).first()
    names = notify.mentioned_names(f"@[{user.name}] @[{shown or ''}]")
    mentioning = Post.objects.filter(mentions__member=user).exclude(author=user)
    for post in mentioning.select_for_update():
        post.body = notify.MENTION.sub(
            lambda m: FORMER_MEMBER if notify.mentioned_names(m.group(0)) & names else m.group(0),
            post.body,
        )
        post.save(update_fields=["body"])


def _rewrite_quotes_of(user: Any, *, words: bool) -> None:
    """Others' replies quoting the member's posts: the quote's heading names "a former member"
    and, with `words`, the quoted words give way to "Post removed by its author"."""
    heading = f"> **{author_name(user)}** wrote:"
    replies = Post.objects.filter(reply_to__author=user).exclude(author=user)
    for post in replies.select_for_update(of=("self",)).select_related("reply_to__author"):
        body = post.body
        if words and post.reply_to is not None:
            body = body.replace(notify.quote_text(post.reply_to).rstrip("\n"), REMOVED_QUOTE)
        body = body.replace(heading, f"> **{FORMER_MEMBER}** wrote:")
        if body != post.body:
            post.body = body
            post.save(update_fields=["body"])
