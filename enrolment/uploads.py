"""A roster larger than ``UNIONROLL_ROSTER_MAX_BYTES`` is refused while it arrives.

Django streams an upload above ``FILE_UPLOAD_MAX_MEMORY_SIZE`` to a temporary file, so a large
roster is never held in memory; this handler, put first for the roster upload views, also stops
that temporary file at the limit: the rest of the file is read and dropped, nothing more is
written, and the view answers with the size and the limit. (A reverse proxy in front should
have a body limit of its own, a little above this one.)
"""

from __future__ import annotations

from django.conf import settings
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpRequest

REFUSED_SIZE_ATTRIBUTE = "roster_refused_size"


class RosterSizeLimitUploadHandler(FileUploadHandler):
    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        # The request's length: the file's size give or take the form's few hundred bytes.
        self.request_length = content_length or 0

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        received = start + len(raw_data)
        if received > settings.UNIONROLL_ROSTER_MAX_BYTES:
            setattr(self.request, REFUSED_SIZE_ATTRIBUTE, max(received, self.request_length))
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def roster_size_limit_install(request: HttpRequest) -> None:
    """Before anything reads the request's body (for the web page: before the CSRF check)."""
    request.upload_handlers.insert(0, RosterSizeLimitUploadHandler(request))


def roster_refused_size(request: HttpRequest) -> int | None:
    """The size of a roster the handler refused, if it refused one."""
    return getattr(request, REFUSED_SIZE_ATTRIBUTE, None)
