from typing import Any, cast

from django import forms
from django.forms.renderers import TemplatesSetting

from network.models import MentoringTopic


class NHSFormRenderer(TemplatesSetting):
    """Renders every form of ours with the NHS.UK design system's markup.

    The admin lays out its own fields, so it is unaffected.
    """

    form_template_name = "forms/form.html"
    field_template_name = "forms/field.html"


def use_house_words(form: forms.BaseForm) -> None:
    """Word a form's lists and length limits as the design system does, not as Django does."""
    for field in form.fields.values():
        if isinstance(field, forms.ModelChoiceField):
            field.empty_label = "Select an option"
        elif isinstance(field, forms.ChoiceField) and isinstance(field.widget, forms.Select):
            field.choices = [
                (value, "Select an option" if value == "" else label)
                for value, label in cast(list[tuple[Any, Any]], field.choices)
            ]
        if (
            isinstance(field, forms.CharField)
            and field.max_length is not None
            and "max_length" not in field.error_messages
        ):
            field.error_messages["max_length"] = (
                f"“{field.label}” must be {field.max_length:,} characters or fewer"
            )


def board_topics_field(label: str, *, choose: str = "topics") -> forms.ModelMultipleChoiceField:
    """Tick boxes for the topic list the programme board keeps (mentoring and discussion tags).
    The form sets the queryset to the current list."""
    wrong = f"Choose {choose} from the list."
    return forms.ModelMultipleChoiceField(
        label=label,
        help_text="From the topic list the programme board keeps. Choose all that apply.",
        queryset=MentoringTopic.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        error_messages={"invalid_choice": wrong, "invalid_pk_value": wrong},
    )
