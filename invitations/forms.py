from typing import Any

from django import forms
from django.contrib.auth import password_validation

from invitations.models import Application
from network.forms import use_house_words

APPLICATION_FIELDS = [
    "name", "email", "job_title", "organisation", "profession", "region",
    "career_aspiration", "mentoring_evidence", "current_mentees", "referee",
]  # fmt: skip


class InterestForm(forms.ModelForm):
    # People never see this field; form-filling robots do, and fill it in.
    website = forms.CharField(
        required=False,
        label="Leave this empty",
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        use_house_words(self)

    class Meta:
        model = Application
        fields = APPLICATION_FIELDS
        labels = {
            "name": "Full name",
            "email": "Email address",
            "career_aspiration": "What role would you like to reach next?",
            "mentoring_evidence": "Your record of mentoring",
            "current_mentees": "How many people are you mentoring now?",
            "referee": "A member who knows your mentoring (optional)",
        }
        help_texts = {
            "mentoring_evidence": "Who you have mentored or supported, and for how long.",
            "referee": "Their name or email address.",
        }
        error_messages = {
            # The model's limit, checked before anything else sees the address.
            "email": {"max_length": "Enter an email address of 254 characters or fewer"},
        }
        widgets = {
            "career_aspiration": forms.Textarea(attrs={"rows": 3}),
            "mentoring_evidence": forms.Textarea(attrs={"rows": 5}),
        }

    def is_robot(self) -> bool:
        return bool(self.data.get("website"))


class NominationForm(InterestForm):
    class Meta(InterestForm.Meta):
        labels = {
            **InterestForm.Meta.labels,
            "name": "Their full name",
            "email": "Their email address",
            "career_aspiration": "What role would they like to reach next?",
            "mentoring_evidence": "Their record of mentoring",
            "current_mentees": "How many people are they mentoring now?",
            "referee": "Another member who knows their mentoring (optional)",
        }


class EndorsementForm(forms.Form):
    text = forms.CharField(
        label="Why do you vouch for them?",
        help_text="A few sentences about their mentoring or leadership that you have seen.",
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=2000,
    )


class MoreInfoForm(forms.Form):
    text = forms.CharField(
        label="Your answer", widget=forms.Textarea(attrs={"rows": 6}), max_length=5000
    )


class DecisionForm(forms.Form):
    verdict = forms.ChoiceField(
        label="Your decision",
        choices=[
            ("approve", "Approve"),
            ("reject", "Reject"),
            ("more_info", "Ask for more information"),
        ],
        widget=forms.RadioSelect,
    )
    reason = forms.CharField(
        label="Reason, or what to ask",
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Required to reject or to ask for more information; kept for the record.",
    )


class ConflictForm(forms.Form):
    reason = forms.CharField(label="Why you cannot take part", max_length=300)


class DirectInviteForm(InterestForm):
    class Meta(InterestForm.Meta):
        fields = ["name", "email", "job_title", "organisation", "profession", "region",
                  "career_aspiration", "mentoring_evidence"]  # fmt: skip


class AcceptForm(forms.Form):
    password1 = forms.CharField(
        label="Choose a password",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 12 characters. A few words together are easy to remember.",
    )
    password2 = forms.CharField(
        label="Type the password again",
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    agree = forms.BooleanField(
        label="I accept the guidelines and code of conduct, and I have read the privacy notice",
        error_messages={"required": "Tick the box to accept the guidelines and privacy notice."},
    )

    def __init__(self, *args: Any, email: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.email = email

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error("password2", "The two passwords are different: type them again.")
        elif first:
            from members.models import User

            try:
                password_validation.validate_password(first, User(email=self.email))
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned
