"""What the upload plugin needs from its host to PUT a file: the browser layer implements it
(``converse_py/browser/http_put.py``, XMLHttpRequest for upload progress) as the platform's
``http_put``; a host without it (CPython) cannot upload.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True)
class FileToSend:
    """A file as the upload plugin sees it: its name, size in bytes, MIME type ("" when unknown),
    and ``body``, what the host's PUT sends (a browser File/Blob, or bytes)."""

    name: str
    size: int
    content_type: str
    body: Any


class PutRequest(Protocol):
    """A PUT under way."""

    def status(self) -> Awaitable[int]:
        """The HTTP status once the server answered; raises ``OSError`` when no answer came (a network
        or CORS failure) and ``asyncio.CancelledError`` once ``abort`` was called."""

    def abort(self) -> None:
        """Stop sending."""


#: ``http_put(url, headers, file, on_progress)``: start a PUT of ``file.body`` with ``headers`` and
#: ``Content-Type: file.content_type``; ``on_progress(sent_bytes)`` as the body goes out.
HttpPut = Callable[[str, Mapping[str, str], FileToSend, Callable[[int], None]], PutRequest]


def file_to_send(file: Any, filename: str | None = None, content_type: str | None = None) -> FileToSend:
    """Describe ``file``: a browser File or Blob (its ``name``, ``size``, ``type``), or bytes (then
    ``filename`` is needed). Raises ``ValueError`` for anything else.

    >>> f = file_to_send(b"hello", "hello.txt", "text/plain")
    >>> f.name, f.size, f.content_type
    ('hello.txt', 5, 'text/plain')
    """
    if isinstance(file, (bytes, bytearray, memoryview)):
        data = bytes(file)
        if not filename:
            raise ValueError("upload: bytes need a filename")
        return FileToSend(filename, len(data), content_type or "", data)
    size = getattr(file, "size", None)
    if isinstance(size, float) and size.is_integer():
        size = int(size)
    if not isinstance(size, int) or isinstance(size, bool) or size < 0:
        raise ValueError(f"upload: expected a File, a Blob or bytes, got {type(file).__name__}")
    name = filename or str(getattr(file, "name", "") or "") or "file"
    kind = content_type if content_type is not None else str(getattr(file, "type", "") or "")
    return FileToSend(name, size, kind, file)


@dataclass(frozen=True)
class PreparedUpload:
    """How a plugin sends a file its own way (OMEMO: encrypted, XEP-0454): ``file`` is what is
    PUT (its size asked for in the slot request), ``send(get_url)`` sends the message for it and
    returns the URL it sent (the upload's ``url``)."""

    file: FileToSend
    send: Callable[[str], Awaitable[str]]


#: ``preparer(box, file)``: a ``PreparedUpload`` to send ``file`` to ``box`` another way, or None
#: (the file is PUT as it is and its GET URL sent with an OOB element). Raises ``UploadFailed``.
UploadPreparer = Callable[[Any, FileToSend], Awaitable["PreparedUpload | None"]]
