from __future__ import annotations

from django.urls import path

from . import views

app_name = "enrolment"

urlpatterns = [
    path("rosters/", views.roster_list, name="roster_list"),
]
