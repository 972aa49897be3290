"""A member who deletes their account may take their discussion posts with them.

By default their posts stay, under "a former member" (the account row keeps no name). If they
choose to remove them, each post reads "Post removed by its author", as if they had removed it
themselves, with its attachments and mentions gone. A topic they started keeps the replies other
members wrote, since those are other members' words; its title was the leaver's, so it becomes
`REMOVED_TITLE`. A topic no one else replied to holds nothing but the leaver's words and is
hidden altogether.

When the board removes a member, their posts stay as a former member's: removal is the board's
decision, and taking words out of other members' conversations is the author's choice alone.
"""

from typing import Any

from django.db.models import Exists, OuterRef
from django.utils import timezone

from discussions import resources
from discussions.models import Attachment, Mention, Post, Topic

REMOVED_TITLE = "Title removed by its author"


def remove_posts_of(user: Any) -> None:
    now = timezone.now()
    resources.forget_documents(Attachment.objects.filter(post__author=user))
    Mention.objects.filter(post__author=user).delete()
    Post.objects.filter(author=user, removed_by_author_at__isnull=True).update(
        body="", removed_by_author_at=now
    )
    others_replied = Exists(Post.objects.filter(topic=OuterRef("pk")).exclude(author=user))
    started = Topic.objects.filter(author=user).annotate(others_replied=others_replied)
    started.filter(others_replied=False).update(hidden=True, title=REMOVED_TITLE)
    started.filter(others_replied=True).update(title=REMOVED_TITLE)
