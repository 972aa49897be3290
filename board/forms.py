"""Forms for conduct reports: a member's concern and appeal, and the board's decisions. The
rules live in board.reports; these check only that what was sent can be read."""

from datetime import datetime, time
from typing import Any

from django import forms
from django.utils import timezone

from board.models import Appeal, Report, Resolution
from network.forms import use_house_words


class HouseForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        use_house_words(self)


class ConcernForm(HouseForm):
    reason = forms.ChoiceField(
        label="What is your concern?",
        choices=Report.Reason.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose what your concern is",
            "invalid_choice": "Choose what your concern is",
        },
    )
    details = forms.CharField(
        label="What happened?",
        help_text="Say when and where, and what was said or done. Only the programme board "
        "reads this; the member is never told who raised a concern.",
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=4000,
        error_messages={"required": "Tell us what happened"},
    )
    evidence_link = forms.URLField(
        label="A link to evidence (optional)",
        help_text="For example, a link to a message or a document the board can open.",
        required=False,
        max_length=500,
        assume_scheme="https",
        error_messages={"invalid": "Enter a web address, like https://www.example.org/page"},
    )


class AppealForm(HouseForm):
    text = forms.CharField(
        label="Why should the decision change?",
        help_text="Say what you think the board got wrong, and anything it did not know.",
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=4000,
        error_messages={"required": "Tell us why the decision should change"},
    )


# The board site's forms, laid out by the admin's own templates.


class ResolutionForm(forms.Form):
    outcome = forms.ChoiceField(choices=Resolution.Outcome.choices, widget=forms.RadioSelect)
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=4000,
        help_text="Kept for the record. For a warning, suspension or removal it is sent to the "
        "member; the reporter is never sent it.",
    )
    until = forms.DateField(
        label="Suspended until",
        required=False,
        help_text="For a suspension: the day access returns (at the start of the day, UK "
        "time), as YYYY-MM-DD. Leave empty for a suspension until the board lifts it.",
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def until_moment(self) -> datetime | None:
        until = self.cleaned_data.get("until")
        if until is None or self.cleaned_data.get("outcome") != Resolution.Outcome.SUSPENSION:
            return None
        return timezone.make_aware(datetime.combine(until, time.min))


class ConflictForm(forms.Form):
    reason = forms.CharField(
        max_length=300,
        help_text="For example: I work with the member, or I know the reporter well.",
    )


class AppealDecisionForm(forms.Form):
    status = forms.ChoiceField(
        label="Decision",
        choices=[
            (Appeal.Status.UPHELD, "The decision stands"),
            (Appeal.Status.OVERTURNED, "Overturn the decision"),
        ],
        widget=forms.RadioSelect,
    )
    response = forms.CharField(
        label="Answer to the member",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=4000,
        help_text="Sent to the member. Overturning a suspension lifts it at once.",
    )


class EscalateForm(forms.Form):
    reason = forms.ChoiceField(
        label="What is the concern?", choices=Report.Reason.choices, widget=forms.RadioSelect
    )
    details = forms.CharField(
        label="What happened?",
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=4000,
        help_text="For the board's record. The member is never sent it; a decision's reason is "
        "written when the report is decided.",
    )
