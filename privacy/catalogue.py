"""Which stored fields are a member's personal data, and what becomes of each.

One list drives the member's export (privacy.export), the erasure (privacy.erasure) and the test
that walks every model (tests/privacy/test_catalogue.py): a model that reaches a person must
name every one of its columns here, as exported or as withheld with a reason, or that test
fails. A new personal field therefore cannot be added without deciding whether the member sees
it and how an erasure treats it.

Erasure rules, per exported or withheld field:

- ``KEEP``: stays as it is. Dates, statuses, money and hours that levies, invoices, state
  claims and the ledger rest on, and facts that say nothing about who the person was.
- ``BLANK``: becomes the empty value (``""``, ``NULL`` or an empty object).
- ``TOKEN``: replaced by the person's one-way token (``privacy.erasure.erasure_token``), so
  rows that belonged together still do, without saying whose they were.
- ``DROP``: the whole row is deleted (matching aids, credentials, pending changes: nothing
  rests on them).

The model's rule ``rows=DROP`` deletes every row of the person; otherwise the field rules apply.
"""

from __future__ import annotations

from dataclasses import dataclass, field

KEEP = "keep"
BLANK = "blank"
TOKEN = "token"  # noqa: S105 (a rule name, not a secret)
DROP = "drop"


@dataclass(frozen=True)
class Section:
    """One kind of row that holds a person's data."""

    # Key of the section in the export (JSON) and of its heading (PDF).
    key: str
    # "app_label.ModelName".
    model: str
    # The lookup from the model to the person's id, e.g. "membership__person_id".
    person: str
    # Exported fields, with what an erasure does to each.
    exported: dict[str, str]
    # Fields the member is not shown, each with the reason (and erased by ``erase_withheld``).
    withheld: dict[str, str] = field(default_factory=dict)
    # What an erasure does to withheld fields that are not KEEP.
    erase_withheld: dict[str, str] = field(default_factory=dict)
    # DROP: an erasure deletes the person's rows of this kind.
    rows: str = KEEP
    # Ordering of the rows in the export.
    order: tuple[str, ...] = ("id",)


_MATCH_KEY = (
    "derived from the name (lower case, without accents) to match rosters; the name is exported"
)

SECTIONS: tuple[Section, ...] = (
    Section(
        key="person",
        model="enrolment.Person",
        person="id",
        exported={
            "id": KEEP,
            "first_name": BLANK,
            "last_name": BLANK,
            "date_of_birth": BLANK,
            "email": BLANK,
            "phone": BLANK,
            "postal_address": BLANK,
            "language": KEEP,
            "email_set_by_member": KEEP,
            "phone_set_by_member": KEEP,
            "language_set_by_member": KEEP,
            "merged_into": KEEP,
            "created_at": KEEP,
            "updated_at": KEEP,
            # Set by the erasure itself.
            "erased_at": KEEP,
        },
        withheld={
            "first_name_key": _MATCH_KEY,
            "last_name_key": _MATCH_KEY,
            "bsn_hash": (
                "a keyed one-way hash of the citizen service number, useless without the "
                "union's key; the export says whether one is held"
            ),
        },
        erase_withheld={"first_name_key": BLANK, "last_name_key": BLANK, "bsn_hash": BLANK},
    ),
    Section(
        key="worker_numbers",
        model="enrolment.WorkerNumber",
        person="person_id",
        exported={
            "organisation": KEEP,
            "worker_number": BLANK,
            "first_name": BLANK,
            "last_name": BLANK,
            "date_of_birth": BLANK,
            "created_at": KEEP,
        },
        withheld={
            "id": "a row number",
            "first_name_key": _MATCH_KEY,
            "last_name_key": _MATCH_KEY,
            "person": "the member",
        },
        rows=DROP,
        order=("created_at", "id"),
    ),
    Section(
        key="memberships",
        model="enrolment.Membership",
        person="person_id",
        exported={
            "id": KEEP,
            "sector": KEEP,
            "status": KEEP,
            "spell": KEEP,
            "covered_from": KEEP,
            "enrolled_on": KEEP,
            "enrolled_by_upload": KEEP,
            "window_ends": KEEP,
            "window_waits_for_letter": KEEP,
            "void": KEEP,
            "ended_on": KEEP,
            "opted_out_on": KEEP,
            "last_seen_period_end": KEEP,
            "merged_into": KEEP,
            "created_at": KEEP,
            "updated_at": KEEP,
        },
        withheld={"person": "the member"},
        order=("enrolled_on", "id"),
    ),
    Section(
        key="membership_events",
        model="enrolment.MembershipEvent",
        person="membership__person_id",
        exported={
            "membership": KEEP,
            "occurred_at": KEEP,
            "from_status": KEEP,
            "to_status": KEEP,
            "actor": KEEP,
            "actor_user": KEEP,
            "reason": KEEP,
            "upload": KEEP,
            # Free text written by union staff: it may name the member.
            "note": BLANK,
            # Dates and spells (kept on the membership too) and the receipt number of a leave.
            "data": BLANK,
        },
        withheld={"id": "a row number"},
        order=("occurred_at", "id"),
    ),
    Section(
        key="payroll_lines",
        model="enrolment.PayrollLine",
        person="person_id",
        exported={
            "period_start": KEEP,
            "period_end": KEEP,
            "organisation": KEEP,
            "hirer": KEEP,
            "site": KEEP,
            "sector": KEEP,
            "worker_number": TOKEN,
            "cao_phase": KEEP,
            "hours_worked": KEEP,
            "gross_wages": KEEP,
            "housing_deduction": KEEP,
            "upload": KEEP,
            "row_number": KEEP,
            "superseded_by": KEEP,
        },
        withheld={"id": "a row number", "person": "the member"},
        order=("period_start", "id"),
    ),
    Section(
        key="levy_charges",
        model="levies.LevyCharge",
        person="person_id",
        exported={
            "period_start": KEEP,
            "period_end": KEEP,
            "sector": KEEP,
            "organisation": KEEP,
            "site": KEEP,
            "cao_phase": KEEP,
            "payer": KEEP,
            "payer_organisation": KEEP,
            "kind": KEEP,
            "status": KEEP,
            "amount": KEEP,
        },
        withheld={
            "id": "a row number",
            "person": "the member",
            "run": "the union's assessment run",
            "settled_by_run": "the union's assessment run",
            "payroll_line": "the payroll line, exported with its period",
            "invoice": "an invoice to an organisation, not to the member",
            "state_claim": "a claim to the state, not to the member",
        },
        order=("period_start", "id"),
    ),
    Section(
        key="notices",
        model="notifications.Notice",
        person="person_id",
        exported={
            "id": KEEP,
            "kind": KEEP,
            "membership": KEEP,
            "channel": KEEP,
            "status": KEEP,
            "created_at": KEEP,
            "sent_at": KEEP,
            "attempts": KEEP,
            "last_error": KEEP,
            "handed_over_at": KEEP,
            "handed_over_how": KEEP,
            "handed_over_visit": KEEP,
            # What the notice said it was about: dates, a visit, a replaced phone or address.
            "data": BLANK,
        },
        withheld={
            "person": "the member",
            "subject": "the union's key that keeps a notice from going twice",
            "provider_id": "the SMS or e-mail provider's message number",
            "not_before": "when the union's sender may try next",
            "queued_at": "when the union's sender last took it up",
            "document": "where the printed letter is stored; the letter is described by its kind",
            "handed_over_by": "the union staff member who handed the letter over",
        },
        erase_withheld={"document": BLANK},
        order=("created_at", "id"),
    ),
    Section(
        key="sign_in_links",
        model="enrolment.SignInLink",
        person="membership__person_id",
        exported={
            "membership": KEEP,
            "purpose": KEEP,
            "channel": KEEP,
            "destination": BLANK,
            "created_at": KEEP,
            "expires_at": KEEP,
            "sent_at": KEEP,
            "used_at": KEEP,
        },
        withheld={
            "id": "a row number",
            "token_hash": "a one-way hash of a secret sign-in token",
            "token_in_path": "how an old link carried its token, for the server's sake",
        },
        rows=DROP,
        order=("created_at", "id"),
    ),
    Section(
        key="access_codes",
        model="enrolment.AccessCode",
        person="membership__person_id",
        exported={"membership": KEEP, "created_at": KEEP},
        withheld={"id": "a row number", "code_hash": "a one-way hash of the printed access code"},
        rows=DROP,
    ),
    Section(
        key="contact_changes",
        model="enrolment.ContactChange",
        person="person_id",
        exported={
            "field": KEEP,
            "new_value": BLANK,
            "created_at": KEEP,
            "expires_at": KEEP,
            "sent_at": KEEP,
            "confirmed_at": KEEP,
            "attempts": KEEP,
        },
        withheld={
            "id": "a row number",
            "person": "the member",
            "code_hash": "a one-way hash of the confirmation code",
        },
        rows=DROP,
        order=("created_at", "id"),
    ),
    *(
        # A check whether two records are one worker, with the member on either side. The
        # other record is another person's, not the member's data.
        Section(
            key=key,
            model="enrolment.PossibleDuplicate",
            person=f"{side}_id",
            exported={
                "reason": KEEP,
                "status": KEEP,
                "upload": KEEP,
                "created_at": KEEP,
                "decided_at": KEEP,
            },
            withheld={
                "id": "a row number",
                side: "the member",
                other: "another person's record, which is not the member's data",
                "decided_by": "the union staff member who decided",
            },
            order=("created_at", "id"),
        )
        for key, side, other in (
            ("possible_duplicates", "person", "candidate"),
            ("possible_duplicates_as_candidate", "candidate", "person"),
        )
    ),
)
SECTIONS += (
    Section(
        key="staff_reads",
        model="enrolment.PersonAccess",
        person="person_id",
        # Who read the member's data, when, and through what: the member has a right to know.
        # An erasure keeps them: they hold nothing of the member but the id.
        exported={"at": KEEP, "username": KEEP, "through": KEEP, "detail": KEEP},
        withheld={
            "id": "a row number",
            "person": "the member",
            "user": "the staff account; its name at the time of reading is exported",
        },
        order=("at", "id"),
    ),
)

# Models that reach a person only through another table's id, which the walk of foreign keys
# cannot see: named here so the catalogue test holds them to the same rule.
INDIRECT = {
    # Delivery attempts of a member's notices (item "notice", item_id the notice), exported
    # with each notice.
    "notifications.DeliveryAttempt": (
        "exported with each notice as its delivery attempts; holds no contact details"
    ),
}

# Models with a reference to a person that are not the member's data.
NOT_PERSONAL: dict[str, str] = {
    "privacy.Erasure": (
        "the record that an erasure took place (accountability, GDPR art. 5(2)): the person's "
        "id, when, by whom, why and counts, never a personal value"
    ),
}


def sections_of(model_label: str) -> list[Section]:
    return [s for s in SECTIONS if s.model == model_label]
