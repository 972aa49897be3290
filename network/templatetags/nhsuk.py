"""Template helpers that give Django's form widgets the NHS.UK design system's markup."""

from django import forms, template
from django.forms.boundfield import BoundField
from django.forms.widgets import Input
from django.utils.safestring import SafeString

register = template.Library()

WIDGET_CLASSES: list[tuple[type[forms.Widget], str]] = [
    (forms.Textarea, "nhsuk-textarea"),
    (forms.Select, "nhsuk-select"),
    (forms.FileInput, "nhsuk-file-upload__input"),
    (Input, "nhsuk-input"),
]


def describedby(field: BoundField) -> str:
    ids = []
    if field.help_text:
        ids.append(f"{field.auto_id}-hint")
    if field.errors:
        ids.append(f"{field.auto_id}-error")
    return " ".join(ids)


@register.filter
def field_kind(field: BoundField) -> str:
    """Which design-system component draws this field: checkbox, choices or input."""
    widget = field.field.widget
    if isinstance(widget, forms.CheckboxInput):
        return "checkbox"
    if isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple):
        return "choices"
    return "input"


@register.filter
def choice_kind(field: BoundField) -> str:
    return (
        "checkboxes" if isinstance(field.field.widget, forms.CheckboxSelectMultiple) else "radios"
    )


@register.simple_tag
def nhsuk_widget(field: BoundField) -> SafeString:
    widget = field.field.widget
    attrs = dict(widget.attrs)
    css = "nhsuk-checkboxes__input" if isinstance(widget, forms.CheckboxInput) else ""
    for widget_type, widget_class in WIDGET_CLASSES:
        if not css and isinstance(widget, widget_type):
            css = widget_class
    if field.errors and css in {"nhsuk-input", "nhsuk-select", "nhsuk-textarea"}:
        css = f"{css} {css}--error"
    attrs["class"] = f"{css} {attrs.get('class', '')}".strip()
    if described := describedby(field):
        attrs["aria-describedby"] = described
    return field.as_widget(attrs=attrs)


@register.simple_tag
def nhsuk_describedby(field: BoundField) -> str:
    return describedby(field)
