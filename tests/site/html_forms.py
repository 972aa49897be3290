"""The forms a page offers, read from its HTML the way a browser reads them."""

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

from django.urls import Resolver404, resolve


@dataclass
class FormField:
    name: str
    kind: str  # "text", "email", "number", "textarea", "select", "checkbox", "radio", "file"...
    # What the page sends if nobody touches it (several values for a multiple choice).
    initial: list[str] = field(default_factory=list)
    # The values a choice offers (options, radio and checkbox values).
    options: list[str] = field(default_factory=list)
    multiple: bool = False


@dataclass
class PageForm:
    action: str  # a path on this site
    method: str
    fields: dict[str, FormField] = field(default_factory=dict)

    @property
    def url_name(self) -> str:
        """The name of the URL the form posts to (its route where it has no name)."""
        try:
            match = resolve(self.action)
        except Resolver404:
            return f"(nowhere: {self.action})"
        return match.view_name if match.url_name else match.route


@dataclass
class _Option:
    value: str | None
    selected: bool
    text: str = ""


class _FormReader(HTMLParser):
    def __init__(self, page_path: str) -> None:
        super().__init__(convert_charrefs=True)
        self.page_path = page_path
        self.forms: list[PageForm] = []
        self._form: PageForm | None = None
        self._select: FormField | None = None
        self._option: _Option | None = None
        self._textarea: FormField | None = None

    def _field(self, name: str, kind: str) -> FormField:
        assert self._form is not None
        if name not in self._form.fields:
            self._form.fields[name] = FormField(name=name, kind=kind)
        return self._form.fields[name]

    def _end_option(self) -> None:
        if self._option is not None and self._select is not None:
            option = self._option
            value = option.value if option.value is not None else option.text.strip()
            self._select.options.append(value)
            if option.selected:
                self._select.initial.append(value)
        self._option = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attr = {key: value or "" for key, value in attrs}
        if tag == "form":
            action = urljoin(self.page_path, attr.get("action") or self.page_path)
            self._form = PageForm(
                action=urlsplit(action).path, method=(attr.get("method") or "get").lower()
            )
            self.forms.append(self._form)
            return
        if tag == "option" and self._select is not None:
            self._end_option()
            self._option = _Option(value=dict(attrs).get("value"), selected="selected" in attr)
            return
        name = attr.get("name")
        if self._form is None or not name or "__prefix__" in name:
            return
        if tag == "input":
            kind = (attr.get("type") or "text").lower()
            if kind in ("submit", "button", "image", "reset"):
                return
            found = self._field(name, kind)
            if kind in ("checkbox", "radio"):
                value = attr.get("value", "on")
                found.options.append(value)
                found.multiple = found.multiple or kind == "checkbox"
                if "checked" in attr:
                    found.initial.append(value)
            elif kind != "file":
                found.initial = [attr.get("value", "")]
        elif tag == "textarea":
            self._textarea = self._field(name, "textarea")
            self._textarea.initial = [""]
        elif tag == "select":
            self._select = self._field(name, "select")
            self._select.multiple = "multiple" in attr
        elif tag == "button" and (attr.get("type") or "submit") == "submit":
            # A named button sends its value: admin forms say which way to save like this.
            self._field(name, "button").initial = [attr.get("value", "")]

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea.initial[0] += data
        if self._option is not None:
            self._option.text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._form = None
        elif tag == "textarea" and self._textarea is not None:
            # Browsers drop one newline straight after <textarea>.
            self._textarea.initial = [self._textarea.initial[0].removeprefix("\n")]
            self._textarea = None
        elif tag == "option":
            self._end_option()
        elif tag == "select":
            self._end_option()
            self._select = None


def post_forms_on(page_path: str, html: str) -> list[PageForm]:
    reader = _FormReader(page_path)
    reader.feed(html)
    reader.close()
    return [form for form in reader.forms if form.method == "post"]
