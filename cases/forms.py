from django import forms

from cases.models import REPORT_MESSAGE_LENGTH, REPORT_SOURCE_LENGTH


class ErrorReportForm(forms.Form):
    message = forms.CharField(
        label="What is wrong?",
        max_length=REPORT_MESSAGE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=f"Say what the page gets wrong or leaves out, and what it should say. At most "
        f"{REPORT_MESSAGE_LENGTH:,} characters.",
        error_messages={"required": "Say what is wrong: this is the one field we need."},
    )
    source = forms.CharField(
        label="A source (optional)",
        max_length=REPORT_SOURCE_LENGTH,
        required=False,
        help_text="The address or the reference of a document that supports the correction, "
        "for example a Security Council resolution's symbol.",
    )
    email = forms.EmailField(
        label="Your email (optional)",
        required=False,
        help_text="Only if you would like a reply. Editors see it; it is never published.",
    )
    page = forms.CharField(widget=forms.HiddenInput, required=False)
    # The honeypot: hidden from people (and from screen readers), filled in by form-filling robots.
    homepage = forms.CharField(
        label="Leave this field empty",
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("homepage"):
            # Nothing is stored. Said plainly at the top of the form, in case a person (or a
            # browser's autofill) filled the hidden field: the field is emptied, their text
            # stays, and sending again works.
            self.data = self.data.copy()
            self.data["homepage"] = ""
            raise forms.ValidationError(
                "The report was not sent: a field meant to stay empty was filled in. It is now empty; "
                "send the report again.",
                code="honeypot",
            )
        return cleaned
