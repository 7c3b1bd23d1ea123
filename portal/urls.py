from __future__ import annotations

from django.urls import include, path

app_name = "portal"

# Nothing in these paths names a member: the session says who is signed in. Sign-in links
# carry a random token only.
urlpatterns = [
    path("", include("portal.urls_signin")),
    path("", include("portal.urls_pages")),
]
