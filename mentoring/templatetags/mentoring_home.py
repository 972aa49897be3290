"""Mentoring on the member's home page, which members' templates show through this tag, so
members' code never imports mentoring."""

from typing import Any

from django import template
from django.db.models import F, Func, IntegerField, OuterRef, Q, Subquery
from django.db.models.functions import Coalesce

from members.models import User
from mentoring.models import MentoringRequest, Pairing

register = template.Library()


def _count(queryset: Any) -> Coalesce:
    """How many rows `queryset` holds, as a subquery, so every count is read in one query."""
    total = Func(F("pk"), function="COUNT")
    return Coalesce(
        Subquery(queryset.order_by().annotate(total=total).values("total")[:1]),
        0,
        output_field=IntegerField(),
    )


@register.inclusion_tag("mentoring/includes/home_mentoring.html")
def your_mentoring(user: Any) -> dict[str, Any]:
    """What mentoring asks of this member now: requests to answer, questions to answer, pairings
    waiting for their agreement; and how many mentees and mentors they have."""
    if not user.is_authenticated:
        return {}
    me = OuterRef("pk")
    live = Pairing.objects.filter(status=Pairing.Status.ACTIVE)
    counts = (
        User.objects.filter(pk=user.pk)
        .annotate(
            to_answer=_count(MentoringRequest.objects.open().filter(mentor=me)),
            questions=_count(
                MentoringRequest.objects.filter(mentee=me, status=MentoringRequest.Status.QUESTION)
            ),
            to_agree=_count(
                Pairing.objects.filter(status=Pairing.Status.PROPOSED).filter(
                    Q(mentor=me, mentor_agreed_at=None) | Q(mentee=me, mentee_agreed_at=None)
                )
            ),
            mentees=_count(live.filter(mentor=me)),
            mentors=_count(live.filter(mentee=me)),
        )
        .values("to_answer", "questions", "to_agree", "mentees", "mentors")
        .first()
    )
    return counts or {}
