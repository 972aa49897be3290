"""What discussions hold about a member, for "download my data"."""

from typing import Any

from discussions.models import Attachment, Follow, Post, ReadMark, Topic


def _followed(follow: Follow) -> dict[str, str]:
    since = follow.created_at.isoformat()
    if follow.topic is not None:
        return {"space": follow.topic.space.name, "topic": follow.topic.title, "since": since}
    return {"space": follow.space.name if follow.space else "", "since": since}


def discussions_section(user: Any) -> dict[str, Any]:
    """The topics the member started and every post they wrote, with where it was."""
    return {
        "topics": [
            {"space": t.space.name, "title": t.title, "started_at": t.created_at.isoformat()}
            for t in Topic.objects.filter(author=user).select_related("space").order_by("pk")
        ],
        "posts": [
            {
                "space": p.topic.space.name,
                "topic": p.topic.title,
                "body": p.body,
                "written_at": p.created_at.isoformat(),
                "edited_at": p.edited_at.isoformat() if p.edited_at else None,
                "removed_at": p.removed_by_author_at.isoformat()
                if p.removed_by_author_at
                else None,
            }
            for p in Post.objects.filter(author=user)
            .select_related("topic__space")
            .order_by("created_at", "pk")
        ],
        # The documents on their posts, by name: the files themselves open from the posts.
        "documents": [
            {
                "space": a.post.topic.space.name,
                "topic": a.post.topic.title,
                "name": a.name,
                "kind": a.get_kind_display(),
                "size_in_bytes": a.size,
                "added_at": a.created_at.isoformat(),
            }
            for a in Attachment.objects.filter(post__author=user)
            .select_related("post__topic__space")
            .order_by("created_at", "pk")
        ],
        # The spaces and topics they follow, and how far they have read each topic they opened.
        "following": [
            _followed(f)
            for f in Follow.objects.filter(member=user)
            .select_related("space", "topic__space")
            .order_by("pk")
        ],
        "read": [
            {"space": m.topic.space.name, "topic": m.topic.title, "up_to": m.read_at.isoformat()}
            for m in ReadMark.objects.filter(member=user)
            .select_related("topic__space")
            .order_by("pk")
        ],
    }
