"""``api.upload``: XEP-0363 HTTP File Upload for JS and Python plugins."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from ...core.errors import ConverseError
from ...core.grouping import Grouping
from ...xmpp.jid import JID
from .transfer import file_to_send

if TYPE_CHECKING:
    from .plugin import UploadState


class UploadAPI(Grouping):
    """``_converse.api.upload``."""

    def __init__(self, state: UploadState) -> None:
        self._state = state

    def send(self, jid: str, file: Any, filename: str | None = None,
             content_type: str | None = None) -> asyncio.Future[str]:
        """Upload ``file`` (a File or Blob; in Python also bytes with a ``filename``) to the server's
        upload service and send its URL, with a XEP-0066 element, to the chat or room ``jid`` (a
        chat box opens if none is). Resolves to the URL others download it from; rejects with
        ``UploadFailed`` (its message says what happened, as the info line in the box does).
        Events ``uploadStarted``, ``uploadProgress``, ``uploadFinished``, ``uploadFailed``. In a chat
        with OMEMO on the file is encrypted first and its ``aesgcm://`` link (XEP-0454) is sent
        encrypted instead, without the OOB element: the call resolves to that link (docs/omemo.md).

        JS: ``await _converse.api.upload.send('bob@localhost', new File(['hello'], 'hello.txt', {type: 'text/plain'}))``
        Python: ``url = await api.upload.send("bob@localhost", b"hello", "hello.txt", "text/plain")``
        """
        if not isinstance(jid, str):
            raise ConverseError(f"upload.send: expected a JID, got {type(jid).__name__}")
        try:
            JID.parse(jid)
            described = file_to_send(file, filename, content_type)
        except ValueError as exc:
            raise ConverseError(f"upload.send: {exc}") from None
        upload = self._state.start(jid, described)
        assert upload.task is not None
        return upload.task

    def service(self) -> asyncio.Future[dict[str, Any] | None]:
        """The upload service of the user's server, once found: ``{jid, max_file_size}``
        (``max_file_size`` in bytes, null when the service sets no limit), or null when there is none.

        JS: ``await _converse.api.upload.service()  // {jid: 'upload.localhost', max_file_size: 20971520}``
        Python: ``service = await api.upload.service()``
        """
        return asyncio.ensure_future(self._service())

    async def _service(self) -> dict[str, Any] | None:
        await self._state.converse.api.wait_until("connected")
        found = await self._state.service()
        return found.as_dict() if found is not None else None

    def cancel(self, upload_id: str) -> bool:
        """Stop the upload ``upload_id`` (the ``id`` of the upload the events give); False when no
        such upload is under way.

        JS: ``_converse.api.upload.cancel('upload-1')  // e.g. from an uploadProgress listener: upload.id``
        Python: ``api.upload.cancel("upload-1")``
        """
        upload = self._state.uploads.get(str(upload_id))
        if upload is None or upload.get("status") != "uploading":
            return False
        upload.cancel()
        return True
