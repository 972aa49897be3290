from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.validators import URLValidator

from members.models import Profile
from members.photos import prepare_photo
from members.privacy import DEFAULTS, PARTS, Visibility
from network.forms import use_house_words
from network.models import OPTIONAL_EMAIL_CATEGORIES, SensitiveCharacteristic


def visibility_field_name(field: str) -> str:
    return f"{field}_visibility"


class ProfileForm(forms.ModelForm):
    """The profile and who sees each part. The mentoring offer and goals are edited on the
    mentoring pages; who sees them stays here, with the rest of the profile's privacy."""

    class Meta:
        model = Profile
        fields = [
            "display_name",
            "pronouns",
            "job_title",
            "organisation",
            "organisation_type",
            "profession",
            "region",
            "career_stage",
            "career_aspiration",
            "bio",
            "links",
            "living_library_topics",
        ]
        labels = {
            "display_name": "Name",
            "bio": "Introduce yourself",
            "living_library_topics": "Living library: topics you will talk about from experience",
        }
        widgets = {
            field: forms.Textarea(attrs={"rows": 3})
            for field in [
                "career_aspiration",
                "links",
                "living_library_topics",
            ]
        } | {"bio": forms.Textarea(attrs={"rows": 5})}
        help_texts = {
            "display_name": "The name other members see.",
            "pronouns": "For example, she/her, he/him, they/them.",
            "links": "One web address a line, starting https://",
            "living_library_topics": "Leave empty if you do not want to take part.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        order: list[str] = []
        for name in self.fields:
            order.append(name)
            order.extend(visibility_field_name(p.key) for p in PARTS if p.follows == name)
        order.extend(visibility_field_name(p.key) for p in PARTS if p.follows is None)
        for part in PARTS:
            self.fields[visibility_field_name(part.key)] = forms.ChoiceField(
                label=f"Who can see {part.question}",
                choices=Visibility.choices,
                initial=self.instance.visibility_of(part.key),
            )
        self.order_fields(order)
        use_house_words(self)

    def clean_links(self) -> str:
        lines = [line.strip() for line in self.cleaned_data["links"].splitlines() if line.strip()]
        validate = URLValidator(schemes=["https", "http"])
        for line in lines:
            try:
                validate(line)
            except ValidationError:
                raise ValidationError(
                    f"“{line}” is not a web address: each line must start with https://"
                ) from None
        return "\n".join(lines)

    def save(self, commit: bool = True) -> Profile:
        profile = super().save(commit=False)
        profile.visibility = {
            field: self.cleaned_data[visibility_field_name(field)] for field in DEFAULTS
        }
        if commit:
            profile.save()
        return profile


class PhotoForm(forms.Form):
    photo = forms.FileField(
        label="Upload a photo",
        help_text=(
            "A JPG, PNG or WEBP photo smaller than 5 MB. We remove location and camera details."
        ),
    )

    def clean_photo(self) -> ContentFile:
        return prepare_photo(self.cleaned_data["photo"])


class MilestoneForm(forms.Form):
    achieved_on = forms.DateField(
        label="When",
        help_text="For example, 31/03/2025",
        input_formats=["%d/%m/%Y", "%Y-%m-%d"],
        error_messages={"invalid": "Enter the date as day/month/year, for example 31/03/2025."},
    )
    description = forms.CharField(
        label="What happened",
        max_length=200,
        help_text="For example, appointed non-executive director.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        use_house_words(self)


class ConsentForm(forms.Form):
    agree = forms.BooleanField(
        label="I agree to the network holding what I choose to tell it below, as described above",
        error_messages={"required": "Tick the box to agree before adding a self-description."},
    )


class SelfDescriptionForm(forms.Form):
    def __init__(
        self,
        *args: Any,
        characteristics: list[SensitiveCharacteristic],
        current: dict[int, tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        for characteristic in characteristics:
            text, visibility = current.get(characteristic.pk, ("", Visibility.ONLY_ME))
            self.fields[f"text_{characteristic.pk}"] = forms.CharField(
                label=characteristic.name,
                max_length=200,
                required=False,
                initial=text,
                help_text="In your own words. Leave empty to say nothing.",
            )
            self.fields[f"visibility_{characteristic.pk}"] = forms.ChoiceField(
                label=f"Who can see how you describe your {characteristic.name.lower()}",
                choices=Visibility.choices,
                initial=visibility,
            )
        self.characteristic_ids = [c.pk for c in characteristics]
        use_house_words(self)

    def entries(self) -> dict[int, tuple[str, str]]:
        return {
            pk: (self.cleaned_data[f"text_{pk}"], self.cleaned_data[f"visibility_{pk}"])
            for pk in self.characteristic_ids
        }


class EmailPreferencesForm(forms.Form):
    receive = forms.MultipleChoiceField(
        label="Which emails do you want?",
        help_text="You will always get emails you need about your account and membership.",
        choices=[(category.value, category.label) for category in OPTIONAL_EMAIL_CATEGORIES],
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )


class DeleteAccountForm(forms.Form):
    remove_posts = forms.BooleanField(
        label="Also remove my discussion posts",
        help_text="If you leave this unticked, your posts stay in their discussions as written "
        "by “a former member”, without your name or photo. If you tick it, each one is replaced "
        "by “Post removed by its author”; other members' replies to your topics stay.",
        required=False,
    )
    confirm = forms.BooleanField(
        label="I understand that this deletes my account and cannot be undone",
        error_messages={"required": "Tick the box to confirm you want to delete your account."},
    )
