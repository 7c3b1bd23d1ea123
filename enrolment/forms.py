from __future__ import annotations

from pathlib import PurePath

from django import forms
from django.utils.translation import gettext_lazy as _

from employers.models import Organisation, User
from enrolment.selectors import roster_organisation_for
from enrolment.services.roster import roster_size_check
from unionroll.exceptions import ApplicationError

# What the roster reader understands; anything else would only be rejected after uploading.
ROSTER_EXTENSIONS = (".csv", ".txt", ".tsv", ".xlsx")


class RosterUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Roster file"),
        help_text=_("A CSV or Excel (.xlsx) file exported from your payroll system."),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(ROSTER_EXTENSIONS)}),
    )
    # Only shown to union staff, who upload on behalf of an organisation.
    organisation = forms.RegexField(
        regex=r"^\d{8}$",
        label=_("Organisation (KvK number)"),
        help_text=_("The 8-digit KvK number of the agency this roster belongs to."),
        error_messages={"invalid": _("A KvK number has exactly 8 digits.")},
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )

    def __init__(self, *args, user: User, refused_size: int | None = None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        # Set when the upload handler stopped a file over the limit while it arrived.
        self.refused_size = refused_size
        if refused_size is not None:
            self.fields["file"].required = False
        if not user.is_union_admin:
            del self.fields["organisation"]

    def clean_file(self):
        file = self.cleaned_data["file"]
        try:
            roster_size_check(
                size=self.refused_size if self.refused_size is not None else file.size
            )
        except ApplicationError as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from exc
        if PurePath(file.name).suffix.lower() not in ROSTER_EXTENSIONS:
            raise forms.ValidationError(
                _("Upload a .csv or .xlsx file. Save other formats as CSV first."),
                code="file_type",
            )
        return file

    def clean_organisation(self) -> Organisation:
        try:
            return roster_organisation_for(user=self.user, kvk=self.cleaned_data["organisation"])
        except ApplicationError as exc:
            raise forms.ValidationError(exc.message, code=exc.code) from exc

    def upload_organisation(self) -> Organisation:
        """For whom the roster is: the user's own organisation unless union staff chose one."""
        if "organisation" in self.fields:
            return self.cleaned_data["organisation"]
        return roster_organisation_for(user=self.user, kvk=None)
