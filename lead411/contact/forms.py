"""Forms of the contact app: the contact form and a member's reply."""

from typing import Any

from django import forms
from django.core.exceptions import ValidationError

from .models import Conversation

NAME_MAX_CHARS = 100
MESSAGE_MAX_CHARS = 5000
LINE_BREAK_IN_HEADER = "Line breaks are not allowed here."


def reject_line_breaks(value: str) -> None:
    """Raise ``ValidationError`` when ``value`` holds CR or LF.

    The name and address end up in email headers; a line break there would let a
    sender add headers of their own (header injection, RFC 5322 section 2.2).
    """
    if "\r" in value or "\n" in value:
        raise ValidationError(LINE_BREAK_IN_HEADER, code="line_break")


class ContactForm(forms.Form):
    """The contact form, for visitors and members; ``website`` is a honeypot left empty by people."""

    name = forms.CharField(max_length=NAME_MAX_CHARS, strip=False, validators=[reject_line_breaks])
    email = forms.EmailField(max_length=254, validators=[reject_line_breaks])
    category = forms.ChoiceField(choices=Conversation.Category.choices, initial="other")
    message = forms.CharField(
        max_length=MESSAGE_MAX_CHARS, min_length=2, widget=forms.Textarea(attrs={"rows": 8})
    )
    # Hidden from people by CSS and aria-hidden; bots that fill every field fill it.
    website = forms.CharField(
        required=False,
        label="Leave this field empty",
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["email"].widget.attrs["autocomplete"] = "email"
        self.fields["name"].widget.attrs["autocomplete"] = "name"

    def clean_name(self) -> str:
        name = self.cleaned_data["name"].strip()
        if not name:
            raise ValidationError("Please tell us your name.", code="required")
        return name

    @property
    def is_honeypot_filled(self) -> bool:
        """True when the hidden ``website`` field was filled: the sender is a bot."""
        return bool(self.cleaned_data.get("website"))


class ConversationReplyForm(forms.Form):
    """A member's answer in one of their conversations."""

    message = forms.CharField(
        max_length=MESSAGE_MAX_CHARS, min_length=2, widget=forms.Textarea(attrs={"rows": 6})
    )
