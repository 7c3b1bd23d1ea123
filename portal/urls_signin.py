from __future__ import annotations

from django.conf import settings
from django.urls import path, re_path

from portal import views_signin

# The link page's language: one of the portal's, so that no other word can be put in its place.
_LANGUAGE = "|".join(code for code, _name in settings.LANGUAGES)

# Mounted under the "portal" namespace at /my/. No path carries what a member types (phone,
# e-mail, code: posted) nor a link's token (after "#", never sent to the server). The one
# exception is the old form of a link, /my/link/<token>/, still accepted for the links issued
# in that form until they expire (SignInLink.token_in_path; docs/portal.md).
urlpatterns = [
    path("sign-in/", views_signin.sign_in, name="sign_in"),
    path("link-sent/", views_signin.link_sent, name="link_sent"),
    path("link/", views_signin.link, name="link"),
    re_path(rf"^link/(?P<language>{_LANGUAGE})/$", views_signin.link, name="link_page"),
    path("link/<str:token>/", views_signin.link_in_path, name="link_in_path"),
    path("sign-out/", views_signin.sign_out, name="sign_out"),
]
