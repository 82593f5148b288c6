"""Avatars plugin: XEP-0084 avatars (PEP: metadata notifications through caps ``+notify``, the data
fetched by item id) and XEP-0153 vCard avatars (the photo hash in presence, then the vCard), kept in
an ``AvatarCache`` by hash and shown only once the bytes proved to be an image.

An image is accepted when its SHA-1 is the advertised hash (PEP), its declared type is PNG, JPEG,
GIF or WebP and agrees with the bytes' signature, it is at most ``MAX_BASE64`` characters of
base64, and (in the page) the browser decodes it (``ImageTools.decodes``). A remote ``url`` in
metadata is never fetched. The user's own avatar is set with ``api.avatars.set`` (published to
both XEPs, the hash advertised in presence through the ``outgoingPresence`` hook).

Event ``avatarChanged`` (the JID whose avatar changed).
"""

from __future__ import annotations

import asyncio
import base64
import xml.etree.ElementTree as ET
from collections.abc import Callable
from typing import Any, Protocol

from ...core.converse import Converse
from ...core.errors import ConverseError, IQError
from ...core.log import logger
from ...core.plugin import EventDoc, Plugin
from ...core.session import own_bare
from ...xmpp.jid import JID
from ...xmpp.stanza import find, local_name
from ..status.plugin import StatusState
from ..vcard.stanzas import vcard_get
from .api import AvatarsAPI
from .cache import AvatarCache, PlatformStore
from .stanzas import (AVATAR_METADATA, IMAGE_TYPES, MAX_BASE64, AvatarInfo, add_photo, data_request, decode_base64,
                      parse_data_result, parse_metadata_event, presence_photo, publish_data, publish_metadata,
                      sha1_hex, sniff_type, vcard_photo, vcard_with_photo)

MUC_USER = "http://jabber.org/protocol/muc#user"


class ImageTools(Protocol):
    """What the page adds (browser/images.py): decoding checks and the canvas."""

    async def decodes(self, type_: str, data: bytes) -> bool:
        """Whether the browser decodes ``data`` (of MIME ``type_``) as an image."""

    async def prepare(self, source: Any) -> tuple[bytes, int, int]:
        """Any picture (bytes, a Blob or File) cropped to a square and scaled to 96-192 px: (PNG, width, height)."""


class AvatarState:
    """Avatars of contacts, occupants and the user, by JID (bare; a room occupant's full JID)."""

    def __init__(self, converse: Converse) -> None:
        self.converse = converse
        self.cache = AvatarCache(PlatformStore(converse.platform))
        self.images: ImageTools | None = None  # set by the page's UI plugin
        self._urls: dict[str, str] = {}  # hash → data: URL (built once)
        self._fetching: set[str] = set()  # JIDs whose avatar is being fetched
        self._vcard_hashes: dict[str, str] = {}  # JID → the photo hash whose vCard we fetched
        self.own_hash: str | None = None  # our XEP-0153 hash; None until our vCard is known
        self._own_card: ET.Element | None = None
        self._vcard_lock = asyncio.Lock()  # edit_own_vcard: one fetch-change-store at a time
        self._own_changes = 0  # set/remove calls: a log-in fetch of our vCard older than one is stale

    # -- reading -----------------------------------------------------------------------------
    def url_for(self, jid: str | None) -> str | None:
        """A ``data:`` URL of the image ``jid`` shows, or None (show the default avatar)."""
        if not jid:
            return None
        hash_ = self.cache.hash_for(jid)
        if hash_ is None or not self.cache.has(hash_):
            if hash_ is not None:
                self._urls.pop(hash_, None)  # evicted from the cache: not kept in memory either
            return None
        url = self._urls.get(hash_)
        if url is None:
            image = self.cache.get(hash_)
            if image is None:
                return None
            url = self._urls[hash_] = f"data:{image[0]};base64,{image[1]}"
        return url

    def _show(self, jid: str, hash_: str | None) -> None:
        if self.cache.set_jid(jid, hash_):
            self.converse.trigger("avatarChanged", jid)

    async def accept(self, jid: str, declared: str, data: bytes) -> str | None:
        """Check an image and show it for ``jid``; its hash, or None when refused (the default stays)."""
        sniffed = sniff_type(data)
        if declared.lower() not in IMAGE_TYPES or sniffed is None:
            logger.info("avatar of %s refused: declared %r, bytes look like %s", jid, declared[:40], sniffed)
            return None
        encoded = base64.b64encode(data).decode("ascii")
        hash_ = sha1_hex(data)
        if not self.cache.has(hash_):
            if self.images is not None and not await self.images.decodes(sniffed, data):
                logger.info("avatar of %s refused: the browser does not decode it as %s", jid, sniffed)
                return None
            if not self.cache.put(hash_, sniffed, encoded):
                logger.info("avatar of %s refused: too large (%d base64 characters)", jid, len(encoded))
                return None
        self._show(jid, hash_)
        return hash_

    # -- XEP-0084 ----------------------------------------------------------------------------
    def on_message(self, stanza: ET.Element) -> None:
        event = parse_metadata_event(stanza)
        if event is None:
            return
        if event.info is None:
            self._show(event.jid, None)
        elif self.cache.has(event.info.id):
            self._show(event.jid, event.info.id)
        else:
            asyncio.ensure_future(self.fetch_pep(event.jid, event.info)).add_done_callback(_report)

    async def fetch_pep(self, jid: str, info: AvatarInfo) -> None:
        """Fetch the data item the metadata names (only its SHA-1 being the id makes it count)."""
        key = f"pep {jid} {info.id}"
        if key in self._fetching:
            return
        self._fetching.add(key)
        try:
            result = await self.converse.session.send_iq(data_request(jid, info.id), timeout=30)
        finally:
            self._fetching.discard(key)
        data = parse_data_result(result, info.id)
        if data is None:
            logger.info("avatar data of %s missing, or its hash is not %s", jid, info.id)
            return
        await self.accept(jid, info.type, data)

    # -- XEP-0153 ----------------------------------------------------------------------------
    def on_presence(self, stanza: ET.Element) -> None:
        if stanza.get("type") not in (None, "available"):
            return
        photo = presence_photo(stanza)
        sender = stanza.get("from") or ""
        if photo is None or not sender:
            return
        try:
            parsed = JID.parse(sender)
        except ValueError:
            return
        in_room = find(stanza, MUC_USER, "x") is not None
        jid = parsed.full if in_room else parsed.bare
        if not in_room and jid == own_bare(self.converse.session):
            # Another of our clients changed the avatar (XEP-0153 §4.3): advertise the same hash.
            if sender != self.converse.session.jid and photo is not None and self.own_hash is not None \
                    and photo != self.own_hash:
                self._set_own_hash(photo)
                if photo and not self.cache.has(photo):
                    asyncio.ensure_future(self.fetch_vcard(jid, jid, photo)).add_done_callback(_report)
                else:
                    self._show(jid, photo or None)
            return
        if not photo:
            if self._vcard_hashes.pop(jid, None) is not None:
                self._show(jid, None)
        elif self.cache.has(photo):
            self._vcard_hashes[jid] = photo
            self._show(jid, photo)
        elif self._vcard_hashes.get(jid) != photo:
            self._vcard_hashes[jid] = photo
            asyncio.ensure_future(self.fetch_vcard(jid, sender if in_room else jid, photo)).add_done_callback(_report)

    async def fetch_vcard(self, jid: str, to: str, photo: str = "") -> None:
        """Fetch ``to``'s vCard and take its PHOTO as ``jid``'s avatar (``photo``: the advertised hash)."""
        key = f"vcard {jid} {photo}"
        if key in self._fetching:
            return
        self._fetching.add(key)
        try:
            result = await self.converse.session.send_iq(vcard_get(to), timeout=30)
        except Exception as exc:
            logger.info("avatar of %s: no vCard (%s)", jid, exc)
            return
        finally:
            self._fetching.discard(key)
        found = vcard_photo(result)
        if found.data is None:
            logger.info("avatar of %s refused: no usable PHOTO in the vCard", jid)
            return
        if photo and sha1_hex(found.data) != photo:
            logger.info("avatar of %s: the vCard's photo is not the one presence advertised", jid)
        await self.accept(jid, found.type, found.data)

    def on_vcard(self, contact: Any) -> None:
        """A vCard the roster fetched (``vcardUpdated``): its photo counts as well."""
        data = decode_base64(contact.get("image"))
        if data is not None:
            asyncio.ensure_future(self.accept(str(contact.get("jid")), str(contact.get("image_type") or ""),
                                              data)).add_done_callback(_report)

    # -- the user's own avatar ---------------------------------------------------------------
    def annotate(self, _context: Any, stanza: ET.Element) -> ET.Element:
        """Hook ``outgoingPresence``: our photo hash in each available presence (XEP-0153 §4.1), once
        our vCard is known (before that, the presence says nothing about avatars)."""
        if self.own_hash is not None and local_name(stanza.tag) == "presence" \
                and stanza.get("type") in (None, "available"):
            add_photo(stanza, self.own_hash)
        return stanza

    async def load_own(self) -> None:
        """Our vCard after log-in: the hash to advertise, and our own avatar shown."""
        changes = self._own_changes
        result = await self.converse.session.send_iq(vcard_get(), timeout=30)
        if changes != self._own_changes:
            return  # the user set or removed the avatar meanwhile: that is what counts
        self._own_card = result
        photo = vcard_photo(result)
        me = own_bare(self.converse.session) or ""
        hash_ = await self.accept(me, photo.type, photo.data) if photo.data is not None else None
        self._set_own_hash(hash_ or (sha1_hex(photo.data) if photo.data is not None else ""))

    def _set_own_hash(self, hash_: str) -> None:
        changed = self.own_hash != hash_
        self.own_hash = hash_
        status = self.converse.find(StatusState)
        if changed and status is not None and self.converse.session.connected \
                and self.converse.promises.is_resolved("statusInitialized"):
            status.announce()

    async def set_own(self, source: Any) -> str:
        """Publish ``source`` (image bytes, or a Blob/File in the page) as our avatar; its hash."""
        if self.images is not None:
            data, width, height = await self.images.prepare(source)
        elif isinstance(source, (bytes, bytearray, memoryview)):
            data, width, height = bytes(source), 0, 0
        else:
            raise ConverseError(f"avatars.set: expected image bytes, got {type(source).__name__}")
        self._own_changes += 1
        type_ = sniff_type(data)
        if type_ is None:
            raise ConverseError("avatars.set: the data is not a PNG, JPEG, GIF or WebP image")
        if (len(data) + 2) // 3 * 4 > MAX_BASE64:
            raise ConverseError("avatars.set: the image is over 192 KB")
        session = self.converse.session
        hash_ = sha1_hex(data)
        info = AvatarInfo(hash_, type_, len(data), width or None, height or None)
        await _publish(session, lambda options: publish_data(data, options=options))
        await _publish(session, lambda options: publish_metadata(info, options=options))
        await self._store_vcard(data, type_)
        await self.accept(own_bare(session) or "", type_, data)
        self._set_own_hash(hash_)
        return hash_

    async def remove_own(self) -> None:
        """No avatar any more: empty PEP metadata, a vCard without PHOTO, an empty presence photo."""
        self._own_changes += 1
        session = self.converse.session
        await _publish(session, lambda options: publish_metadata(None, options=options))
        await self._store_vcard(None, "")
        self._show(own_bare(session) or "", None)
        self._set_own_hash("")

    async def _store_vcard(self, data: bytes | None, type_: str) -> None:
        await self.edit_own_vcard(lambda card: vcard_with_photo(card, data, type_))

    async def edit_own_vcard(self, change: Callable[[ET.Element | None], ET.Element]) -> ET.Element:
        """Fetch our vCard, store ``change(fetched)`` (an ``<iq type='set'>`` keeping the fields it
        does not change), one edit at a time: the avatar and the profile (plugins/profile) never
        store a vCard fetched before the other's edit. Returns what was stored."""
        async with self._vcard_lock:
            session = self.converse.session
            try:
                self._own_card = await session.send_iq(vcard_get(), timeout=30)
            except IQError:
                self._own_card = None  # no vCard yet (item-not-found): a new one
            stored = change(self._own_card)
            await session.send_iq(stored, timeout=30)
            return stored


async def _publish(session: Any, build: Any) -> None:
    """Publish with publish-options; a node configured otherwise (precondition-not-met) gets a plain publish."""
    try:
        await session.send_iq(build(True), timeout=30)
    except IQError as exc:
        if "precondition-not-met" not in str(exc) and "conflict" not in str(exc):
            raise
        await session.send_iq(build(False), timeout=30)


def _report(future: asyncio.Future[Any]) -> None:
    if not future.cancelled() and future.exception() is not None:
        logger.info("avatar not fetched: %s", future.exception())


class AvatarsPlugin(Plugin):
    """``converse-avatars``: XEP-0084 and XEP-0153 avatars through ``api.avatars``."""

    name = "converse-avatars"
    dependencies = ("converse-roster", "converse-status")
    features = (AVATAR_METADATA + "+notify",)
    events = {
        "avatarChanged": EventDoc("the JID (bare; a room occupant's full JID)",
                                  "the avatar shown for a JID changed (a new picture, or none: the default)"),
    }

    def initialize(self) -> None:
        converse = self._converse
        self.state = AvatarState(converse)
        converse.provide(self.state)
        converse.api.add_grouping("avatars", AvatarsAPI(self.state))
        converse.session.add_handler("message", self.state.on_message)
        converse.session.add_handler("presence", self.state.on_presence)
        converse.api.listen.on("outgoingPresence", self.state.annotate)
        converse.api.listen.on("vcardUpdated", self.state.on_vcard)
        converse.api.listen.on("statusInitialized", self.on_online)
        converse.api.listen.on("disconnected", self.on_disconnected)

    def on_online(self, *_: Any) -> None:
        """After the initial presence (RFC 6121: roster, then presence, then the rest): our vCard."""
        asyncio.ensure_future(self.state.load_own()).add_done_callback(_report)

    def on_disconnected(self, *_: Any) -> None:
        self.state.own_hash = None
        self.state._vcard_hashes.clear()
