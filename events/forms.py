from datetime import datetime
from typing import Any, cast

from django import forms

from events.models import Book, Feedback, Refusal, Registration
from network.forms import use_house_words


class HouseForm(forms.Form):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        use_house_words(self)


class RegisterForm(HouseForm):
    access_needs = forms.CharField(
        label="Is there anything you need to take part? (optional)",
        help_text=(
            "For example step-free access, a hearing loop, captions or a quiet space. Only the "
            "programme board sees this, and it is erased after the event."
        ),
        max_length=Registration._meta.get_field("access_needs").max_length,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class BookForm(forms.ModelForm):
    """A member's offer to read as a book: the title and blurb readers choose by."""

    class Meta:
        model = Book
        fields = ["title", "blurb"]
        labels = {"title": "Your book's title", "blurb": "A short blurb"}
        help_texts = {
            "title": "Readers choose by it. For example: “Coming out at 50 as a chief nurse”.",
            "blurb": "A few sentences on what you will talk about. Readers see this.",
        }
        widgets = {"blurb": forms.Textarea(attrs={"rows": 4})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        use_house_words(self)


class ConversationForm(HouseForm):
    """Which of a book's conversations a reader books: one of the event's conversation times."""

    starts_at = forms.ChoiceField(
        widget=forms.HiddenInput,
        error_messages={
            "invalid_choice": Refusal.NO_SUCH_SLOT.label,
            "required": Refusal.NO_SUCH_SLOT.label,
        },
    )

    def __init__(self, *args: Any, times: list[datetime], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.times = {time.isoformat(): time for time in times}
        cast(forms.ChoiceField, self.fields["starts_at"]).choices = [
            (key, key) for key in self.times
        ]

    def chosen(self) -> datetime:
        return self.times[self.cleaned_data["starts_at"]]


RATINGS = [
    ("5", "5: very good"),
    ("4", "4: good"),
    ("3", "3: neither good nor poor"),
    ("2", "2: poor"),
    ("1", "1: very poor"),
]


class FeedbackForm(HouseForm):
    rating = forms.TypedChoiceField(
        label="How would you rate the event?",
        choices=RATINGS,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose a rating from 1 to 5"},
    )
    what_worked = forms.CharField(
        label="What worked well? (optional)",
        max_length=Feedback._meta.get_field("what_worked").max_length,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    what_to_change = forms.CharField(
        label="What should we change? (optional)",
        max_length=Feedback._meta.get_field("what_to_change").max_length,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
