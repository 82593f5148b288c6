"""Where OMEMO keeps its state: one key/value store of JSON text, async (IndexedDB in the page,
``converse_py/browser/idb.py``; a dict in the unit tests).

Keys (``*_key`` below) name one record each: the account's device (its keys and device id), one
ratchet session per (namespace, bare JID, device id), the user's trust in each contact's devices,
and the text of OMEMO messages read or sent here (by message id, for the archive). Values are
``json.dumps`` text (the core's ``to_json()`` dicts, fingerprints with trust states, texts);
nothing here logs a value.

>>> device_key("alice@example.org"), session_key("eu.siacs.conversations.axolotl", "bob@example.org", 42)
('device|alice@example.org', 'session|eu.siacs.conversations.axolotl|bob@example.org|42')
"""

from __future__ import annotations

from typing import Protocol


class OmemoStore(Protocol):
    """An async key/value store of text."""

    async def get(self, key: str) -> str | None:
        """The text stored under ``key``, None when there is none."""
        ...

    async def put(self, key: str, value: str) -> None:
        """Store ``value`` under ``key`` (replacing what was there)."""
        ...

    async def delete(self, key: str) -> None:
        """Forget ``key`` (nothing happens when it is absent)."""
        ...


class MemoryStore:
    """An ``OmemoStore`` in a dict (tests, and a page whose IndexedDB is unavailable: the device then
    lives as long as the page)."""

    def __init__(self) -> None:
        self.records: dict[str, str] = {}

    async def get(self, key: str) -> str | None:
        return self.records.get(key)

    async def put(self, key: str, value: str) -> None:
        self.records[key] = value

    async def delete(self, key: str) -> None:
        self.records.pop(key, None)


def device_key(account: str) -> str:
    """The record of ``account``'s device on this browser: ``{device_id, keys}``."""
    return f"device|{account}"


def plaintext_key(jid: str, message_key: str) -> str:
    """The record of a decrypted (or sent) message's text in the chat with ``jid``, by one of its ids
    (``s:<stanza-id>``, ``o:<origin-id>``, ``i:<id>``): what its archived copy shows."""
    return f"plain|{jid}|{message_key}"


def content_key(jid: str, message_key: str) -> str:
    """The record of an omemo:2 message's envelope content beyond its body (a reply, a link, ...),
    by one of its ids as ``plaintext_key``: what its archived copy shows with the text."""
    return f"sce|{jid}|{message_key}"


def trust_key(jid: str) -> str:
    """The record of the user's trust in ``jid``'s devices: device id → ``{fingerprint, state}``."""
    return f"trust|{jid}"


def session_key(namespace: str, jid: str, device_id: int) -> str:
    """The record of the session with ``jid``'s device ``device_id`` (for the logged-in account: one
    IndexedDB database per account, see ``converse_py/browser/idb.py``)."""
    return f"session|{namespace}|{jid}|{device_id}"
