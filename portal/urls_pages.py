from __future__ import annotations

from django.urls import path

from portal import views_pages

# Mounted under the "portal" namespace at /my/. The session says whose pages these are.
urlpatterns = [
    path("", views_pages.membership, name="membership"),
    path("leave/", views_pages.leave, name="leave"),
    path("left/", views_pages.left, name="left"),
    path("left/undo/", views_pages.leave_undo, name="leave_undo"),
    path("rejoin/", views_pages.rejoin, name="rejoin"),
    path("details/", views_pages.details, name="details"),
    path("details/confirm/", views_pages.details_confirm, name="details_confirm"),
    path("data/", views_pages.data, name="data"),
    path("data/my-data.<str:kind>", views_pages.data_download, name="data_download"),
    path("rights/", views_pages.rights, name="rights"),
    path("visits/", views_pages.visits, name="visits"),
    path("language/", views_pages.language, name="language"),
]
