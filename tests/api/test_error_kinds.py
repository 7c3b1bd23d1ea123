"""The API's status for a service error follows from the error's kind, whatever its code."""

from __future__ import annotations

import pytest
from django.urls import path
from rest_framework import status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIClient
from rest_framework.views import APIView

from api.exceptions import application_error_status, exception_handler
from employers.models import Sector
from employers.services import sector_add, site_add
from unionroll.exceptions import (
    ApplicationError,
    Conflict,
    Invalid,
    NotFound,
    Refused,
    TooLarge,
    Unavailable,
)

# --- The mapping itself ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        (Invalid, 400),
        (NotFound, 404),
        (Conflict, 409),
        (Refused, 403),
        (TooLarge, 413),
        (Unavailable, 503),
        # An error of no kind (nothing should raise one) is the caller's to fix, as before.
        (ApplicationError, 400),
    ],
)
def test_each_kind_of_error_has_its_status(kind, expected):
    assert application_error_status(kind("some_code", "A message.")) == expected


def test_a_kind_made_more_specific_keeps_the_status_of_its_kind():
    class SchemeExists(Conflict):
        pass

    assert application_error_status(SchemeExists("scheme_exists", "It exists.")) == 409


def test_the_status_does_not_depend_on_the_code():
    # The code a client branches on stays what the service chose, even one that reads like
    # another kind; only the kind decides the status.
    assert application_error_status(Invalid("not_found", "Wrong value.")) == 400
    assert application_error_status(NotFound("unknown_sector", "No such sector.")) == 404


def test_the_handler_answers_with_the_error_body_and_its_kinds_status():
    error = Conflict("sector_exists", "A sector with code meat already exists.", {"code": "meat"})

    response = exception_handler(error, {})

    assert response.status_code == status.HTTP_409_CONFLICT
    assert response.data == {
        "code": "sector_exists",
        "message": "A sector with code meat already exists.",
        "detail": {"code": "meat"},
    }


# --- Real services behind the API's exception handler ---------------------------------------
# No endpoint of the API raises a not-found or a conflict from a service yet, so these two thin
# views (mounted only for these tests) call the employers' services as an endpoint would.


class SectorCreateView(APIView):
    authentication_classes: list = []
    permission_classes: list = []

    def post(self, request: Request) -> Response:
        sector = sector_add(code=request.data["code"], name=request.data["name"])
        return Response({"code": sector.code}, status=status.HTTP_201_CREATED)


class SiteCreateView(APIView):
    authentication_classes: list = []
    permission_classes: list = []

    def post(self, request: Request, kvk: str) -> Response:
        site = site_add(
            hirer_kvk=kvk,
            code=request.data["code"],
            name=request.data["name"],
            sector_code=request.data["sector"],
        )
        return Response({"code": site.code}, status=status.HTTP_201_CREATED)


urlpatterns = [
    path("sectors/", SectorCreateView.as_view()),
    path("hirers/<str:kvk>/sites/", SiteCreateView.as_view()),
]


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_a_sector_that_exists_already_is_a_409_with_the_services_code():
    client = APIClient()

    first = client.post("/sectors/", {"code": "meat", "name": "Meat"}, format="json")
    again = client.post("/sectors/", {"code": "meat", "name": "Meat again"}, format="json")

    assert first.status_code == 201
    assert again.status_code == 409
    assert again.json()["code"] == "sector_exists"
    assert again.json()["detail"] == {"code": "meat"}
    assert Sector.objects.get().name == "Meat"


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_a_site_for_a_hirer_that_does_not_exist_is_a_404_with_the_services_code(meat):
    response = APIClient().post(
        "/hirers/99999999/sites/",
        {"code": "BOX1", "name": "Box 1", "sector": "meat"},
        format="json",
    )

    assert response.status_code == 404
    assert response.json()["code"] == "unknown_hirer"
    assert response.json()["detail"] == {"kvk": "99999999"}


@pytest.mark.django_db
@pytest.mark.urls(__name__)
def test_a_wrong_value_is_still_a_400():
    response = APIClient().post("/sectors/", {"code": "no spaces", "name": "X"}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid_sector_code"
