"""The union's admin for printed letters: the Letters list (waiting to be handed over, handed
over), each letter's PDF, and a workplace visit's letters (one PDF for the print run, one page
per member, and the list to tick off what was handed over there).

Letters carry a personal access code, so only union staff with the permissions of the
``Letter`` model see them (``view_letter``) or record a handover (``hand_over_letter``);
agency and hirer users, even with a staff flag, never do. URLs and file names carry ids only.
"""

from __future__ import annotations

import io
import logging

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.db.models import QuerySet
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from enrolment.admin import PersonAccessLogged
from enrolment.models import Membership, Person, PersonAccess
from enrolment.services import person_access_record
from notifications.channels.letter import letters_join
from notifications.models import Letter, Notice, WorkplaceVisit
from notifications.selectors import visit_waiting_letters
from notifications.services.letters import letters_hand_over
from unionroll.admin import ReadOnlyAdmin, admin_link, mask_name
from unionroll.exceptions import ApplicationError

logger = logging.getLogger(__name__)


def letters_viewer(request: HttpRequest) -> bool:
    """Union staff allowed to see letters (and so the codes printed on them)."""
    user = request.user
    return bool(
        user.is_active
        and getattr(user, "is_union_admin", False)
        and user.has_perm("notifications.view_letter")
    )


def letters_hander(request: HttpRequest) -> bool:
    """Union staff allowed to record that letters were handed over or posted."""
    return letters_viewer(request) and request.user.has_perm("notifications.hand_over_letter")


def _pdf_response(pdf_or_file, filename: str) -> FileResponse:
    response = FileResponse(pdf_or_file, content_type="application/pdf", filename=filename)
    # A letter holds a personal code: no copy in a browser's or proxy's cache.
    response["Cache-Control"] = "no-store"
    return response


class HandoverFilter(admin.SimpleListFilter):
    title = "handover"
    parameter_name = "handover"

    def lookups(self, request: HttpRequest, model_admin) -> list[tuple[str, str]]:
        return [("waiting", "Waiting to be handed over"), ("done", "Handed over or posted")]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Letter]) -> QuerySet[Letter]:
        if self.value() == "waiting":
            return queryset.filter(
                status=Notice.Status.QUEUED_FOR_PRINT, handed_over_at__isnull=True
            )
        if self.value() == "done":
            return queryset.filter(handed_over_at__isnull=False)
        return queryset


@admin.register(Letter)
class LetterAdmin(PersonAccessLogged, ReadOnlyAdmin):
    """Printed letters. The union hands them over (at a visit, at an information point) or posts
    them to an address the member gave it; never through an employer. Recording it starts a
    welcome letter's opt-out window (notifications.services.letters). A letter's page and its
    PDF are recorded in the access log; the list shows masked names only."""

    access_through = PersonAccess.Through.ADMIN_LETTER

    list_display = [
        "id",
        "kind",
        "masked_name",
        "status",
        "sent_at",
        "handed_over_at",
        "handed_over_how",
        "visit_link",
        "postal_address_given",
        "pdf_link",
    ]
    list_filter = [HandoverFilter, "kind", "handed_over_how", "status"]
    search_fields = ["=id", "=person__id"]
    ordering = ["-id"]
    actions = ["handed_over_at_information_point_today", "posted_today"]
    fields = [
        "person_link",
        "membership_link",
        "kind",
        "status",
        "sent_at",
        "handed_over_at",
        "handed_over_how",
        "handed_over_by",
        "visit_link",
        "pdf_link",
    ]
    readonly_fields = fields

    def get_queryset(self, request: HttpRequest) -> QuerySet[Letter]:
        return (
            super()
            .get_queryset(request)
            .filter(channel=Notice.Channel.LETTER)
            .select_related("person", "handed_over_by")
        )

    def has_module_permission(self, request: HttpRequest) -> bool:
        return letters_viewer(request)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return letters_viewer(request)

    def has_hand_over_permission(self, request: HttpRequest) -> bool:
        return letters_hander(request)

    def get_urls(self):
        urls = [
            path(
                "<int:notice_id>/pdf/",
                self.admin_site.admin_view(self.pdf_view),
                name="notifications_letter_pdf",
            )
        ]
        return urls + super().get_urls()

    def pdf_view(self, request: HttpRequest, notice_id: int) -> HttpResponse:
        if not letters_viewer(request):
            raise PermissionDenied
        letter = get_object_or_404(self.get_queryset(request), pk=notice_id)
        if not letter.document or not default_storage.exists(letter.document):
            raise Http404("No stored PDF for this letter.")
        person_access_record(
            user=request.user,
            person_ids=[letter.person_id],
            through=PersonAccess.Through.ADMIN_LETTER,
            detail=f"letter {letter.pk} PDF",
        )
        return _pdf_response(default_storage.open(letter.document, "rb"), f"letter-{letter.pk}.pdf")

    @admin.display(description="name")
    def masked_name(self, obj: Letter) -> str:
        return mask_name(obj.person.first_name, obj.person.last_name)

    @admin.display(description="person", ordering="person_id")
    def person_link(self, obj: Letter) -> str:
        return admin_link(Person, obj.person_id)

    @admin.display(description="membership")
    def membership_link(self, obj: Letter) -> str:
        return admin_link(Membership, obj.membership_id)

    @admin.display(description="visit")
    def visit_link(self, obj: Letter) -> str:
        return admin_link(WorkplaceVisit, obj.handed_over_visit_id)

    @admin.display(boolean=True, description="postal address")
    def postal_address_given(self, obj: Letter) -> bool:
        return bool(obj.person.postal_address.strip())

    @admin.display(description="PDF")
    def pdf_link(self, obj: Letter) -> str:
        if not obj.document:
            return "-"
        url = reverse("admin:notifications_letter_pdf", args=[obj.pk])
        return format_html('<a href="{}">letter-{}.pdf</a>', url, obj.pk)

    def _hand_over(self, request: HttpRequest, queryset: QuerySet[Letter], how: str) -> None:
        try:
            result = letters_hand_over(
                notice_ids=list(queryset.values_list("pk", flat=True)), how=how, by=request.user
            )
        except ApplicationError as exc:
            self.message_user(request, f"Nothing was recorded. {exc.message}", messages.ERROR)
            return
        self.message_user(
            request,
            f"Recorded {len(result.handed_over)} letter(s) as "
            f"{Notice.HandOver(how).label.lower()} on {result.on:%d-%m-%Y}.",
            messages.SUCCESS,
        )
        if result.already:
            self.message_user(
                request,
                f"{len(result.already)} letter(s) had been handed over before and stay as "
                "they were.",
                messages.WARNING,
            )

    @admin.action(
        description="Handed over in person (information point) today", permissions=["hand_over"]
    )
    def handed_over_at_information_point_today(
        self, request: HttpRequest, queryset: QuerySet[Letter]
    ) -> None:
        self._hand_over(request, queryset, Notice.HandOver.INFO_POINT)

    @admin.action(description="Posted today", permissions=["hand_over"])
    def posted_today(self, request: HttpRequest, queryset: QuerySet[Letter]) -> None:
        self._hand_over(request, queryset, Notice.HandOver.POST)


class VisitLettersAdminMixin:
    """A workplace visit's letters, for the visit's admin: the waiting welcome letters of the
    members at its site as one PDF (one page each, sorted by name), and a page to tick off
    those handed over at the visit. The change page links to both (its template)."""

    def get_urls(self):
        urls = [
            path(
                "<int:visit_id>/letters/",
                self.admin_site.admin_view(self.visit_letters_view),
                name="notifications_workplacevisit_letters",
            ),
            path(
                "<int:visit_id>/letters/print/",
                self.admin_site.admin_view(self.visit_letters_pdf_view),
                name="notifications_workplacevisit_letters_pdf",
            ),
        ]
        return urls + super().get_urls()

    def visit_letters_pdf_view(self, request: HttpRequest, visit_id: int) -> HttpResponse:
        if not letters_viewer(request):
            raise PermissionDenied
        visit = get_object_or_404(WorkplaceVisit, pk=visit_id)
        letters = visit_waiting_letters(visit=visit)
        pdf, missing = letters_join([letter.document for letter in letters])
        if missing:
            logger.warning(
                "visit %s: %s waiting letter(s) have no stored PDF", visit.pk, len(missing)
            )
        if not pdf:
            messages.warning(request, "There are no letters to print for this visit.")
            return HttpResponseRedirect(
                reverse("admin:notifications_workplacevisit_letters", args=[visit.pk])
            )
        # Every page printed is one member's letter, with their name and code.
        missing_documents = set(missing)
        person_access_record(
            user=request.user,
            person_ids=[
                letter.person_id for letter in letters if letter.document not in missing_documents
            ],
            through=PersonAccess.Through.ADMIN_LETTER,
            detail=f"visit {visit.pk} letters PDF",
        )
        return _pdf_response(io.BytesIO(pdf), f"visit-{visit.pk}-letters.pdf")

    def visit_letters_view(self, request: HttpRequest, visit_id: int) -> HttpResponse:
        if not letters_viewer(request):
            raise PermissionDenied
        visit = get_object_or_404(WorkplaceVisit.objects.select_related("site"), pk=visit_id)
        letters = visit_waiting_letters(visit=visit)
        if request.method == "POST":
            if not letters_hander(request):
                raise PermissionDenied
            offered = {letter.pk for letter in letters}
            chosen = [int(v) for v in request.POST.getlist("letter") if v.isdigit()]
            # Only letters this page offered: a stale or altered form records nothing else.
            chosen = [pk for pk in chosen if pk in offered]
            if not chosen:
                messages.warning(request, "Tick the letters that were handed over.")
            else:
                try:
                    result = letters_hand_over(
                        notice_ids=chosen, how=Notice.HandOver.VISIT, by=request.user, visit=visit
                    )
                except ApplicationError as exc:
                    messages.error(request, f"Nothing was recorded. {exc.message}")
                else:
                    messages.success(
                        request,
                        f"Recorded {len(result.handed_over)} letter(s) as handed over at this "
                        f"visit on {result.on:%d-%m-%Y}.",
                    )
            return HttpResponseRedirect(request.path)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Letters to hand over at visit #{visit.pk}",
            "opts": self.model._meta,
            "visit": visit,
            "rows": [
                {
                    "pk": letter.pk,
                    "name": mask_name(letter.person.first_name, letter.person.last_name),
                    "printed": timezone.localtime(letter.sent_at).date()
                    if letter.sent_at
                    else None,
                    "stored": bool(letter.document),
                }
                for letter in letters
            ],
            "can_hand_over": letters_hander(request),
            "visit_begun": visit.starts_at <= timezone.now(),
            "pdf_url": reverse("admin:notifications_workplacevisit_letters_pdf", args=[visit.pk]),
        }
        return TemplateResponse(request, "admin/notifications/workplacevisit/letters.html", context)
