"""Members' mentoring forms: the offer, the goals, and what is written at each step of a request
and a pairing. Services check the rules; these check that what was sent can be read."""

from typing import Any

from django import forms

from members.models import (
    MAX_MENTEES,
    CategoryPreference,
    MentoringFormat,
    MentoringStatus,
    ProfessionPreference,
    Profile,
)
from mentoring.models import CloseOut, DeclineReason, Refusal
from network.forms import board_topics_field, use_house_words
from network.models import MentoringTopic, NetworkSettings

CAPACITY_WORDS = f"Enter how many mentees you can support at once, from 1 to {MAX_MENTEES}."
YES_NO = [("yes", "Yes"), ("no", "No")]


def board_topics() -> Any:
    """The topics the programme board keeps, in its order."""
    return MentoringTopic.objects.filter(settings=NetworkSettings.load()).order_by(
        "position", "name"
    )


class HouseForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        use_house_words(self)


class OfferForm(forms.ModelForm):
    """A mentor's offer: whether they take mentees now, how many, on what and how."""

    mentoring_capacity = forms.IntegerField(
        label="How many mentees you can support at once",
        help_text=f"From 1 to {MAX_MENTEES}. This counts mentees you are already supporting.",
        required=False,
        min_value=0,
        max_value=MAX_MENTEES,
        error_messages={
            "invalid": CAPACITY_WORDS,
            "min_value": CAPACITY_WORDS,
            "max_value": (
                f"You can support at most {MAX_MENTEES} mentees at once through the network."
            ),
        },
    )
    offered_topics = board_topics_field("Topics you can mentor on")
    mentoring_formats = forms.MultipleChoiceField(
        label="How you can meet mentees",
        choices=MentoringFormat.choices,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        error_messages={"invalid_choice": "Choose how you can meet from the list."},
    )

    class Meta:
        model = Profile
        fields = [
            "mentoring_status",
            "mentoring_capacity",
            "offered_topics",
            "mentoring_topics",
            "mentoring_formats",
        ]
        labels = {
            "mentoring_status": "Are you mentoring others?",
            "mentoring_topics": "Anything else you can mentor on, in a few words",
        }
        help_texts = {
            "mentoring_topics": "For example, finance for non-finance leaders.",
        }
        widgets = {
            "mentoring_status": forms.RadioSelect,
            "mentoring_topics": forms.Textarea(attrs={"rows": 3}),
        }
        error_messages = {
            "mentoring_status": {
                "required": "Choose whether you are mentoring others.",
                "invalid_choice": "Choose whether you are mentoring others from the list.",
            }
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["offered_topics"].queryset = board_topics()  # type: ignore[attr-defined]
        use_house_words(self)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        capacity = cleaned.get("mentoring_capacity")
        if cleaned.get("mentoring_status") == MentoringStatus.ACCEPTING and not capacity:
            if "mentoring_capacity" not in self.errors:
                self.add_error("mentoring_capacity", CAPACITY_WORDS)
        elif capacity is None and "mentoring_capacity" not in self.errors:
            cleaned["mentoring_capacity"] = self.instance.mentoring_capacity
        return cleaned


class GoalsForm(forms.ModelForm):
    """A mentee's goals and what they would like in a mentor."""

    wanted_topics = board_topics_field("Topics you would like a mentor for")
    preferred_format = forms.ChoiceField(
        label="How would you like to meet?",
        choices=[("", "No preference"), *MentoringFormat.choices],
        widget=forms.RadioSelect,
        required=False,
        error_messages={"invalid_choice": "Choose how you would like to meet from the list."},
    )
    preferred_profession = forms.ChoiceField(
        label="A mentor from your own profession, or another?",
        choices=ProfessionPreference.choices,
        widget=forms.RadioSelect,
        required=False,
        error_messages={"invalid_choice": "Choose a preference from the list."},
    )
    preferred_category = forms.ChoiceField(
        label="A mentor in your own membership category?",
        help_text="For example, an LGBTQ+ member or an ally.",
        choices=CategoryPreference.choices,
        widget=forms.RadioSelect,
        required=False,
        error_messages={"invalid_choice": "Choose a preference from the list."},
    )

    class Meta:
        model = Profile
        fields = [
            "mentoring_goals",
            "wanted_topics",
            "mentoring_needs_topics",
            "preferred_format",
            "preferred_profession",
            "preferred_category",
            "mentor_from_own_organisation",
        ]
        labels = {
            "mentoring_goals": "What do you hope to achieve with a mentor?",
            "mentoring_needs_topics": "Anything else you would like a mentor for, in a few words",
            "mentor_from_own_organisation": "A mentor from my own organisation is fine",
        }
        help_texts = {
            "mentoring_goals": "For example, to be ready to apply for a director of nursing post "
            "within two years.",
        }
        widgets = {
            "mentoring_goals": forms.Textarea(attrs={"rows": 5}),
            "mentoring_needs_topics": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["wanted_topics"].queryset = board_topics()  # type: ignore[attr-defined]
        use_house_words(self)


class AskForm(HouseForm):
    note = forms.CharField(
        label="A short note to introduce yourself",
        help_text="Say what you hope to work on together. The mentor reads this first.",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages={"required": Refusal.NOTE_NEEDED.label},
    )


class DeclineForm(HouseForm):
    reason = forms.ChoiceField(
        label="Why are you saying no?",
        help_text="The mentee reads a kind message, not these words.",
        choices=DeclineReason.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": Refusal.REASON_NEEDED.label,
            "invalid_choice": Refusal.REASON_NEEDED.label,
        },
    )


class QuestionForm(HouseForm):
    question = forms.CharField(
        label="Your question",
        help_text="The request stays open while you wait for the answer.",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": Refusal.QUESTION_NEEDED.label},
    )


class AnswerForm(HouseForm):
    answer = forms.CharField(
        label="Your answer",
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "Write your answer to the mentor's question."},
    )


class CheckInForm(HouseForm):
    held_on = forms.DateField(
        label="When did you meet?",
        help_text="For example, 31/03/2026",
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        error_messages={
            "required": "Enter the date you met, for example 31/03/2026.",
            "invalid": "Enter the date as day/month/year, for example 31/03/2026.",
        },
    )
    format = forms.ChoiceField(
        label="How did you meet?",
        choices=MentoringFormat.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose how you met.",
            "invalid_choice": "Choose how you met from the list.",
        },
    )
    notes = forms.CharField(
        label="Notes (optional)",
        help_text="Only the two of you can read these: not the programme board, not anyone else.",
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )


class FitForm(HouseForm):
    working = forms.ChoiceField(
        label="Is this mentoring working for you?",
        help_text="Your answer is private: your partner does not see it.",
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose yes or no.",
            "invalid_choice": "Choose yes or no.",
        },
    )

    def answer(self) -> bool:
        return self.cleaned_data["working"] == "yes"


class CloseOutForm(HouseForm):
    goals_met = forms.ChoiceField(
        label="Were the goals met?",
        choices=CloseOut.GoalsMet.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose whether the goals were met.",
            "invalid_choice": "Choose whether the goals were met from the list.",
        },
    )
    would_recommend = forms.ChoiceField(
        label="Would you recommend mentoring through the network to a colleague?",
        choices=YES_NO,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose yes or no.",
            "invalid_choice": "Choose yes or no.",
        },
    )
    for_the_record = forms.CharField(
        label="A line for the record (optional)",
        help_text="For example, appointed deputy director during the pairing.",
        max_length=300,
        required=False,
    )

    def values(self) -> dict[str, Any]:
        return {
            "goals_met": self.cleaned_data["goals_met"],
            "would_recommend": self.cleaned_data["would_recommend"] == "yes",
            "for_the_record": self.cleaned_data["for_the_record"],
        }
