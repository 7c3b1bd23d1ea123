from __future__ import annotations

from django.urls import path

from . import views

app_name = "enrolment"

# Ids only: nothing in these paths may identify a person.
urlpatterns = [
    path("rosters/", views.roster_list, name="roster_list"),
    path("rosters/format/", views.roster_format, name="roster_format"),
    path("rosters/<int:pk>/", views.roster_detail, name="roster_detail"),
    path("rosters/<int:pk>/status.json", views.roster_status_json, name="roster_status"),
    path("rosters/<int:pk>/errors.csv", views.roster_errors_csv, name="roster_errors_csv"),
]
