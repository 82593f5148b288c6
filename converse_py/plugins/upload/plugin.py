"""Upload plugin (XEP-0363 HTTP File Upload): finds the server's upload service, asks it for a
slot, PUTs the file through the host (the browser's XMLHttpRequest) and sends the GET URL as the
message body with a XEP-0066 ``jabber:x:oob`` element, in chats and rooms.

Every failure is an info line in the box, in words (``failures.py``), and the ``uploadFailed``
event; nothing is sent until the file is on the server, and the composer is never touched.
"""

from __future__ import annotations

import asyncio
import itertools
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from typing import Any

from ...core.aio import new_future
from ...core.converse import Converse
from ...core.errors import IQDisconnectedError, IQError
from ...core.log import logger
from ...core.model import Model
from ...core.plugin import EventDoc, Plugin
from ...core.settings import Setting
from ...xmpp.jid import JID
from ..chats.plugin import ChatsState
from ..disco.stanzas import info_query, parse_info
from ..muc.plugin import RoomsState
from .api import UploadAPI
from .failures import UploadFailed
from .stanzas import (UPLOAD, SlotError, items_query, max_file_size, oob, parse_items, parse_refusal, parse_slot,
                       slot_request)
from .transfer import FileToSend, HttpPut, PreparedUpload, PutRequest, UploadPreparer

#: How long a slot request may wait for the upload service.
SLOT_TIMEOUT = 30.0


@dataclass(frozen=True)
class UploadService:
    """The upload service found for this session: its JID and the largest file it takes (None: no limit)."""

    jid: str
    max_size: int | None

    def as_dict(self) -> dict[str, Any]:
        return {"jid": self.jid, "max_file_size": self.max_size}


_ids = itertools.count(1)


class Upload(Model):
    """One file on its way: ``id``, ``jid`` (the chat or room), ``filename``, ``size``, ``loaded``
    (bytes sent), ``status`` (uploading, done, failed), ``url`` (the GET URL once done), ``reason``
    and ``error`` (why it failed, in words)."""

    def __init__(self, jid: str, file: FileToSend) -> None:
        super().__init__({"id": f"upload-{next(_ids)}", "jid": jid, "filename": file.name, "size": file.size,
                          "content_type": file.content_type, "loaded": 0, "status": "uploading", "url": "",
                          "reason": "", "error": ""})
        self.file = file
        self.task: asyncio.Task[str] | None = None
        self.put: PutRequest | None = None
        self.cancelled = False
        self.stop: asyncio.Future[None] = new_future()  # set by cancel()

    @property
    def id(self) -> str:
        return str(self.get("id"))

    def cancel(self) -> None:
        """Stop this upload (nothing is sent; the box says it was cancelled)."""
        if self.get("status") != "uploading":
            return
        self.cancelled = True
        if self.put is not None:
            self.put.abort()
        if not self.stop.done():
            self.stop.set_result(None)

    def js_facade(self, bridge: Any) -> Any:
        """For JS listeners: the attributes as properties (``upload.loaded``), ``get(name)`` as on
        models, and ``cancel()``."""
        obj = bridge.to_js(self.to_dict())
        obj.get = bridge.method(self.get)
        obj.cancel = bridge.method(self.cancel)
        return obj


class UploadState:
    """The upload service of this session and the uploads under way."""

    def __init__(self, converse: Converse) -> None:
        self.converse = converse
        self.uploads: dict[str, Upload] = {}
        self._service: asyncio.Future[UploadService | None] | None = None
        #: Plugins that send some files their own way (OMEMO encrypts them): asked in order.
        self.preparers: list[UploadPreparer] = []

    def reset(self) -> None:
        """A new session discovers the service anew."""
        self._service = None

    def service(self) -> asyncio.Future[UploadService | None]:
        """The upload service (found once per session; None when the server has none)."""
        stale = self._service is not None and self._service.done() and (
            self._service.cancelled() or self._service.exception() is not None)
        if self._service is None or stale:
            self._service = asyncio.ensure_future(self._discover())
        return self._service

    async def _discover(self) -> UploadService | None:
        session = self.converse.session
        configured = str(self.converse.settings.get("upload_service") or "")
        if configured:
            return await self._first_service([configured])
        domain = JID.parse(session.jid or "").domain
        try:
            items = parse_items(await session.send_iq(items_query(domain)))
        except IQDisconnectedError:
            raise
        except (IQError, TimeoutError) as exc:
            logger.info("disco#items of %s failed: %s", domain, exc)
            items = []
        # The server's items (upload.example.org), else the server itself.
        return await self._first_service([jid for jid in items if jid != domain]) or \
            await self._first_service([domain])

    async def _first_service(self, candidates: list[str]) -> UploadService | None:
        """The first of ``candidates`` whose disco#info has the XEP-0363 feature (asked all at once)."""
        session = self.converse.session
        answers = await asyncio.gather(*(session.send_iq(info_query(jid)) for jid in candidates),
                                       return_exceptions=True)
        for jid, answer in zip(candidates, answers):
            if isinstance(answer, IQDisconnectedError):
                raise answer
            if isinstance(answer, BaseException):
                continue
            if UPLOAD in parse_info(answer).features:
                return UploadService(jid, max_file_size(answer))
        return None

    # -- uploading ---------------------------------------------------------------------------
    def box_for(self, jid: str) -> Any:
        """The room or chat box of ``jid`` (a chat box is opened when there is none)."""
        bare = JID.parse(jid).bare
        rooms = self.converse.find(RoomsState)
        if rooms is not None and bare in rooms.rooms:
            return rooms.rooms[bare]
        return self.converse.get(ChatsState).open(bare)

    def start(self, jid: str, file: FileToSend) -> Upload:
        """Start uploading ``file`` to the chat or room ``jid``; the returned upload's ``task``
        resolves to the GET URL or raises ``UploadFailed`` (also shown in the box)."""
        box = self.box_for(jid)
        upload = Upload(box.get("jid"), file)
        self.uploads[upload.id] = upload
        upload.task = asyncio.ensure_future(self._run(box, upload))
        upload.task.add_done_callback(lambda _task: self.uploads.pop(upload.id, None))
        self.converse.trigger("uploadStarted", upload)
        return upload

    async def _run(self, box: Any, upload: Upload) -> str:
        file = upload.file
        transfer = asyncio.ensure_future(self._transfer(upload, box))
        try:
            waiting: list[asyncio.Future[Any]] = [transfer, upload.stop]
            await asyncio.wait(waiting, return_when=asyncio.FIRST_COMPLETED)
            if not transfer.done():
                transfer.cancel()
                raise UploadFailed.cancelled(file.name)
            url, prepared = transfer.result()
        except (asyncio.CancelledError, Exception) as exc:
            failure = _failure(upload, exc)
            upload.set({"status": "failed", "reason": failure.reason, "error": str(failure)})
            box.add_info(str(failure))
            self.converse.trigger("uploadFailed", upload)
            raise failure from None
        if prepared is not None:
            url = await prepared.send(url)
        else:
            self._send(box, url)
        upload.set({"status": "done", "url": url, "loaded": file.size})
        self.converse.trigger("uploadFinished", upload)
        return url

    async def _prepare(self, box: Any, file: FileToSend) -> PreparedUpload | None:
        for preparer in self.preparers:
            prepared = await preparer(box, file)
            if prepared is not None:
                return prepared
        return None

    async def _transfer(self, upload: Upload, box: Any = None) -> tuple[str, PreparedUpload | None]:
        """Service, limit, slot, PUT: the GET URL once the file is on the server (and how a
        preparer sends it, if one took the file)."""
        file = upload.file
        session = self.converse.session
        if not session.connected:
            raise UploadFailed.offline(file.name)
        try:
            service = await self.service()
        except IQDisconnectedError:
            raise UploadFailed.offline(file.name) from None
        if service is None:
            raise UploadFailed.no_service(file.name)
        prepared = await self._prepare(box, file) if box is not None else None
        file = prepared.file if prepared is not None else file
        if service.max_size is not None and file.size > service.max_size:
            raise UploadFailed.too_large(file.name, file.size, service.max_size)
        put: HttpPut | None = getattr(self.converse.platform, "http_put", None)
        if put is None:
            raise UploadFailed.unsupported(file.name)
        try:
            answer = await session.send_iq(slot_request(service.jid, file.name, file.size, file.content_type or None),
                                           timeout=SLOT_TIMEOUT)
        except IQDisconnectedError:
            raise UploadFailed.offline(file.name) from None
        except IQError as exc:
            refusal = parse_refusal(exc.stanza) if isinstance(exc.stanza, ET.Element) else None
            if refusal is not None and refusal.max_size is not None and file.size > refusal.max_size:
                raise UploadFailed.too_large(file.name, file.size, refusal.max_size) from None
            raise UploadFailed.refused(file.name, refusal.text if refusal else "") from None
        except TimeoutError:
            raise UploadFailed.no_answer(file.name) from None
        try:
            slot = parse_slot(answer)
        except SlotError as exc:
            raise UploadFailed.refused(file.name, str(exc)) from None
        if upload.cancelled:
            raise UploadFailed.cancelled(file.name)
        upload.put = put(slot.put_url, slot.put_headers, file, lambda sent: self._progress(upload, sent))
        try:
            status = await upload.put.status()
        except OSError:
            raise UploadFailed.network(file.name) from None
        if not 200 <= status < 300:
            raise UploadFailed.http_status(file.name, status)
        return slot.get_url, prepared

    def _progress(self, upload: Upload, sent: int) -> None:
        if upload.get("status") == "uploading" and sent != upload.get("loaded"):
            upload.set("loaded", min(int(sent), upload.file.size))
            self.converse.trigger("uploadProgress", upload)

    def _send(self, box: Any, url: str) -> None:
        """The GET URL as the body, with its OOB element, to the chat or room (queued while offline)."""
        if box.get("type") == "chatroom":
            self.converse.get(RoomsState).send(box, url, extra=[oob(url)])
        else:
            self.converse.get(ChatsState).send(box, url, extra=[oob(url)])


def _failure(upload: Upload, exc: BaseException) -> UploadFailed:
    """What to tell the user about an upload that ended with ``exc``."""
    name = upload.file.name
    if upload.cancelled or isinstance(exc, asyncio.CancelledError):
        return UploadFailed.cancelled(name)
    if isinstance(exc, UploadFailed):
        return exc
    logger.warning("upload of %s failed: %s", name, exc)  # a host PUT that broke unexpectedly
    return UploadFailed.network(name)


class UploadPlugin(Plugin):
    """``converse-upload``: XEP-0363 through ``api.upload`` (the UI adds the paperclip, drag and
    drop and paste)."""

    name = "converse-upload"
    dependencies = ("converse-chats",)
    settings = {
        "upload_service": Setting("", (str,), "The JID of the XEP-0363 upload service to use; empty: find it "
                                  "with service discovery of the user's server (disco#items, then disco#info)."),
    }
    events = {
        "uploadStarted": EventDoc("the upload (`id`, `jid`, `filename`, `size`, `loaded`, `status`, `cancel()`)",
                                  "a file starts on its way to a chat or room"),
        "uploadProgress": EventDoc("the upload (`loaded` of `size` bytes sent)", "part of a file was sent"),
        "uploadFinished": EventDoc("the upload (`url`: the GET URL that was sent)",
                                   "a file is on the server and its URL was sent to the chat or room"),
        "uploadFailed": EventDoc("the upload (`reason`, and `error`: what happened, in words)",
                                 "an upload failed or was cancelled; nothing was sent and the box says why"),
    }

    def initialize(self) -> None:
        converse = self._converse
        self.state = UploadState(converse)
        converse.provide(self.state)
        converse.api.add_grouping("upload", UploadAPI(self.state))
        converse.api.listen.on("disconnected", lambda *_: self.state.reset())
        converse.settings.watch(lambda name, *_: self.state.reset() if name == "upload_service" else None)
        converse.api.listen.on("statusInitialized", lambda *_: self.state.reset())
