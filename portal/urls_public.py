from __future__ import annotations

from django.urls import path

from portal import views_public

app_name = "public"

# Mounted at /rights/. Public pages: no session, no member, only a language code in the path.
urlpatterns = [
    path("", views_public.rights_choose_language, name="rights"),
    path("<str:language>/", views_public.rights_page, name="rights_page"),
]
