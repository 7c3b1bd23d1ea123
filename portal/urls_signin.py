from __future__ import annotations

from django.urls import path

from portal import views_signin

# Mounted under the "portal" namespace at /my/. Only a link's random token ever appears in a
# path; what a member types (phone, e-mail, code) is posted, never put in a URL.
urlpatterns = [
    path("sign-in/", views_signin.sign_in, name="sign_in"),
    path("link-sent/", views_signin.link_sent, name="link_sent"),
    path("link/<str:token>/", views_signin.link, name="link"),
    path("sign-out/", views_signin.sign_out, name="sign_out"),
]
