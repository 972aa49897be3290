"""Searching discussions: the topics whose title or posts hold the words a member typed, best
first, from the spaces that member may read.

On PostgreSQL the words are matched with full-text search against the vectors the database keeps
current itself (triggers from migration 0004); on SQLite, the local fallback, every word must
appear somewhere in the title or a post. Hidden topics, hidden posts and posts their authors
removed are never matched, and their words never appear in an excerpt.
"""

import html
import re
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.contrib.auth.decorators import login_required
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.db import connection
from django.db.models import (
    BooleanField,
    Exists,
    ExpressionWrapper,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.http import HttpResponse
from django.shortcuts import render
from django.utils.html import strip_tags

from discussions.models import Post, Topic
from discussions.views import Page, page_number, read_page, visible_topics
from network.forms import use_house_words
from network.http import SignedInRequest
from network.markdown import render_markdown

MAX_QUERY = 200
RESULTS_PER_PAGE = 20
EXCERPT_LENGTH = 200


class SearchForm(forms.Form):
    q = forms.CharField(
        label="Search discussions",
        help_text="Words from a topic's title or its posts.",
        max_length=MAX_QUERY,
        error_messages={"required": "Enter a word or words to search for."},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        use_house_words(self)

    def clean_q(self) -> str:
        words = " ".join(str(self.cleaned_data["q"]).split())
        if not words:
            raise forms.ValidationError("Enter a word or words to search for.")
        return words


def _readable_posts() -> QuerySet[Post]:
    """The posts of the outer topic whose words anyone reading the topic may see."""
    return Post.objects.filter(
        topic=OuterRef("pk"), hidden_at__isnull=True, removed_by_author_at__isnull=True
    )


def matching_topics(user: Any, text: str, *, vendor: str | None = None) -> QuerySet[Topic]:
    """Topics the user may read that match `text`, title matches first, then by rank; each with
    `excerpt_source`, the body of its best matching post (or its opening post)."""
    topics = visible_topics(user).select_related("space")
    if (vendor or connection.vendor) == "postgresql":
        query = SearchQuery(text, config="english", search_type="websearch")
        matching = _readable_posts().filter(search_vector=query)
        best: QuerySet[Any] = matching.annotate(
            rank=SearchRank(F("search_vector"), query)
        ).order_by("-rank", "created_at", "pk")
        title_hit: Any = Q(search_vector=query)
        found: Any = title_hit | Exists(matching)
        rank: Any = Coalesce(SearchRank(F("search_vector"), query), Value(0.0)) + Coalesce(
            Subquery(best.values("rank")[:1]), Value(0.0)
        )
    else:
        # Every word somewhere in the topic: its title or one of its posts.
        words = text.split()
        title_hit = Q()
        found = Q()
        any_post = Q()
        for word in words:
            title_hit &= Q(title__icontains=word)
            found &= Q(title__icontains=word) | Exists(
                _readable_posts().filter(body__icontains=word)
            )
            any_post |= Q(body__icontains=word)
        best = _readable_posts().filter(any_post).order_by("created_at", "pk")
        rank = Value(0.0)
    opening = _readable_posts().order_by("created_at", "pk")
    return (
        topics.annotate(
            title_hit=ExpressionWrapper(title_hit, output_field=BooleanField()),
            rank=ExpressionWrapper(rank, output_field=FloatField()),
            excerpt_source=Coalesce(
                Subquery(best.values("body")[:1]), Subquery(opening.values("body")[:1])
            ),
        )
        .filter(found)
        .order_by("-title_hit", "-rank", "-last_post_at", "-pk")
    )


def excerpt(body: str | None, text: str, length: int = EXCERPT_LENGTH) -> str:
    """A short stretch of a post as plain text (never its HTML), around the first word searched
    for that it holds."""
    plain = " ".join(html.unescape(strip_tags(render_markdown(body or ""))).split())
    if len(plain) <= length:
        return plain
    start = 0
    for word in re.findall(r"\w+", text):
        found = plain.lower().find(word.lower())
        if found >= 0:
            start = max(0, found - length // 4)
            break
    piece = plain[start : start + length]
    return ("…" if start else "") + piece + ("…" if start + length < len(plain) else "")


@login_required
def search(request: SignedInRequest) -> HttpResponse:
    form = SearchForm(request.GET if "q" in request.GET else None)
    page: Page | None = None
    if form.is_valid():
        text = form.cleaned_data["q"]
        page = read_page(
            matching_topics(request.user, text), page_number(request), RESULTS_PER_PAGE
        )
        for topic in page.items:
            topic.excerpt = excerpt(topic.excerpt_source, text)
    query = urlencode({"q": form.cleaned_data["q"]}) if page is not None else ""
    context = {"form": form, "page": page, "query": query}
    return render(request, "discussions/search.html", context)
