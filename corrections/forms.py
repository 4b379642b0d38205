from django import forms
from django.utils.translation import gettext_lazy as _

from .models import Correction


class CorrectionForm(forms.ModelForm):
    # The honeypot: hidden from people and screen readers (templates/corrections/form.html),
    # so only a robot fills it in. A form with it filled is answered as if accepted.
    HONEYPOT = "website"
    website = forms.CharField(label=_("Leave this field empty"), required=False)

    class Meta:
        model = Correction
        fields = ["what_is_wrong", "source", "email"]
        labels = {
            "what_is_wrong": _("What is wrong?"),
            "source": _("Source (optional)"),
            "email": _("Your e-mail (optional)"),
        }
        help_texts = {
            "source": _(
                "A link (https://…) or a reference to a document that shows it, if you have one."
            ),
            "email": _(
                "Only if you would like a reply: we use it to answer you about this "
                "correction and for nothing else."
            ),
        }
        widgets = {
            "what_is_wrong": forms.Textarea(attrs={"rows": 6}),
            "email": forms.EmailInput(attrs={"autocomplete": "email"}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["what_is_wrong"].help_text = _(
            "Say what is wrong or missing on this page, and what it should say "
            "(at most %(count)d characters)."
        ) % {"count": Correction.WHAT_IS_WRONG_MAX_LENGTH}
        self.fields[self.HONEYPOT].widget.attrs.update({"tabindex": "-1", "autocomplete": "off"})

    def filled_by_a_robot(self):
        return bool(self.data.get(self.HONEYPOT))

    def visible_fields(self):
        return [field for field in super().visible_fields() if field.name != self.HONEYPOT]
