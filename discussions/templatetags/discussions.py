from typing import Any

from django import template
from django.utils.safestring import SafeString

from discussions.models import author_name as name_of
from discussions.notify import render_post
from network.markdown import render_markdown

register = template.Library()


@register.filter
def author_name(user: Any) -> str:
    return name_of(user)


@register.filter
def markdown(text: str) -> SafeString:
    return render_markdown(text)


@register.filter
def post_html(post: Any) -> SafeString:
    """A post's words with its mentions linked (`notify.attach_mention_links` read them)."""
    return render_post(post.body, getattr(post, "mention_links", {}))
