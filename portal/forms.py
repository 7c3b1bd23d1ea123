"""Forms of the member portal's pages. Labels and errors are plain sentences for the member."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from enrolment.roster.fields import normalise_email
from enrolment.roster.phones import normalise_phone
from enrolment.services.member_details import postal_address_clean
from portal.context import LANGUAGE_NAMES
from unionroll.exceptions import ApplicationError


class LanguageForm(forms.Form):
    language = forms.ChoiceField(choices=LANGUAGE_NAMES)
    # Where to go back to; checked by the view (only a path on this site).
    next = forms.CharField(required=False, max_length=500)


class DetailsForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language"),
        choices=LANGUAGE_NAMES,
        help_text=_("The language of this website and of the messages we send you."),
    )
    phone = forms.CharField(
        label=_("Mobile phone number"),
        required=False,
        max_length=40,
        help_text=_("With the country code, for example +48 601 234 567."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )
    email = forms.CharField(
        label=_("E-mail address"),
        required=False,
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    postal_address = forms.CharField(
        label=_("Postal address for letters from the union"),
        required=False,
        max_length=600,
        help_text=_(
            "Only if you want our letters by post. Does your employer run your housing? Then "
            "leave this empty: a union representative can give you our letters instead."
        ),
        widget=forms.Textarea(attrs={"rows": 4, "autocomplete": "street-address"}),
    )

    def clean_phone(self) -> str | None:
        text = self.cleaned_data["phone"].strip()
        if not text:
            return None
        phone = normalise_phone(text)
        if phone is None:
            raise forms.ValidationError(
                _(
                    "This is not a phone number we can use. Write it with the country code, "
                    "for example +48 601 234 567."
                ),
                code="phone_invalid",
            )
        return phone

    def clean_postal_address(self) -> str:
        try:
            return postal_address_clean(self.cleaned_data["postal_address"])
        except ApplicationError:
            raise forms.ValidationError(
                _("An address has at most 6 lines of 80 characters each, as on an envelope."),
                code="postal_address_invalid",
            ) from None

    def clean_email(self) -> str | None:
        # The rosters' rule, so a member's address and a roster's are compared alike.
        text = self.cleaned_data["email"].strip()
        if not text:
            return None
        email = normalise_email(text)
        if email is None:
            raise forms.ValidationError(
                _("This is not an e-mail address we can use. It looks like name@example.com."),
                code="email_invalid",
            )
        return email


class ContactCodeForm(forms.Form):
    """One waiting change of phone or e-mail: type its code, ask for a new one, or cancel it.
    Prefixed with the field ("phone-code", "email-action"): with a new phone and a new address
    both waiting, the page holds two of these."""

    code = forms.CharField(
        label=_("The code (6 digits)"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )
    # The button pressed.
    action = forms.ChoiceField(
        choices=[("confirm", "confirm"), ("resend", "resend"), ("cancel", "cancel")]
    )

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if data.get("action") != "confirm":
            return data
        # "123 456" as some phones show it: spaces do not count.
        code = "".join((data.get("code") or "").split())
        if not code:
            self.add_error("code", _("Type the code from the message."))
        elif len(code) != 6 or not code.isascii() or not code.isdigit():
            self.add_error("code", _("The code has 6 digits, for example 123456."))
        else:
            data["code"] = code
        return data
