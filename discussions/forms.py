"""What members type into discussions. The services check the rules; these check that what was
sent can be read, and word its errors."""

from typing import Any

from django import forms

from discussions.models import MAX_BODY, MAX_TITLE
from network.forms import use_house_words

BODY_HELP = (
    "You can use Markdown: *italics*, **bold**, lists, quotes and links. To mention a member, "
    "type @ and their name in square brackets, as it shows on their posts: @[Amara Okafor]."
)


class BodyForm(forms.Form):
    body = forms.CharField(
        label="Your post",
        help_text=BODY_HELP,
        max_length=MAX_BODY,
        widget=forms.Textarea(attrs={"rows": 8}),
        error_messages={"required": "Write something before you post."},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        use_house_words(self)


class ReplyForm(BodyForm):
    # The post being quoted, from its "Quote" link; one that cannot be quoted is ignored.
    reply_to = forms.CharField(required=False, max_length=12, widget=forms.HiddenInput)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["body"].label = "Your reply"


class TopicForm(BodyForm):
    title = forms.CharField(
        label="Title",
        max_length=MAX_TITLE,
        error_messages={"required": "Give your topic a title."},
    )
    field_order = ["title", "body"]
