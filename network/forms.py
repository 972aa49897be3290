from django.forms.renderers import TemplatesSetting


class NHSFormRenderer(TemplatesSetting):
    """Renders every form of ours with the NHS.UK design system's markup.

    The admin lays out its own fields, so it is unaffected.
    """

    form_template_name = "forms/form.html"
    field_template_name = "forms/field.html"
