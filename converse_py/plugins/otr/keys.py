"""Storing the account's long-term DSA key as text (for browser storage).

The format is "otr-dsa-1:" followed by base64 of the MPIs p, q, g, y, x (the private key
payload of the OTR PUBKEY encoding, plus x).

>>> from .crypto import DSAPrivateKey
>>> key = DSAPrivateKey(23, 11, 4, pow(4, 3, 23), 3)
>>> load_private_key(save_private_key(key)).x
3
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
from dataclasses import dataclass
from collections.abc import Callable

from .crypto import DSAPrivateKey, RandomBytes
from .wire import OtrFormatError, Reader, pack_mpi

PREFIX = "otr-dsa-1:"
STORAGE_PREFIX = "converse-py-otr-account:"

log = logging.getLogger(__name__)


def save_private_key(key: DSAPrivateKey) -> str:
    raw = b"".join(pack_mpi(v) for v in (key.p, key.q, key.g, key.y, key.x))
    return PREFIX + base64.b64encode(raw).decode("ascii")


def load_private_key(text: str) -> DSAPrivateKey:
    """Parse ``save_private_key``'s output; raises ValueError if it is not a consistent key."""
    if not text.startswith(PREFIX):
        raise ValueError("not a stored OTR key")
    try:
        reader = Reader(base64.b64decode(text[len(PREFIX):], validate=True))
        p, q, g, y, x = (reader.mpi() for _ in range(5))
        reader.end()
    except (binascii.Error, OtrFormatError) as error:
        raise ValueError(f"corrupt stored OTR key: {error}") from error
    if not (0 < x < q and pow(g, x, p) == y and (p - 1) % q == 0 and pow(g, q, p) == 1):
        raise ValueError("stored OTR key is inconsistent")
    return DSAPrivateKey(p, q, g, y, x)


@dataclass
class AccountKeys:
    """What one account keeps for OTR: its long-term key and its instance tag."""

    key: DSAPrivateKey
    instance_tag: int


def load_or_create_account_keys(get: Callable[[str], str | None], put: Callable[[str, str], None],
                                bare_jid: str, random_bytes: RandomBytes) -> AccountKeys:
    """The account's OTR key and instance tag from storage, generated and stored the first time.

    ``get``/``put`` are a persistent key-value store (the browser's localStorage: a key kept only
    for the tab would change the fingerprint contacts see). A corrupt entry is replaced.

    >>> import os
    >>> store = {}
    >>> first = load_or_create_account_keys(store.get, store.__setitem__, "romeo@example.org", os.urandom)
    >>> again = load_or_create_account_keys(store.get, store.__setitem__, "romeo@example.org", os.urandom)
    >>> (again.key.y, again.instance_tag) == (first.key.y, first.instance_tag)
    True
    """
    name = STORAGE_PREFIX + bare_jid
    stored = get(name)
    if stored:
        try:
            data = json.loads(stored)
            tag = int(data["instance_tag"])
            if tag < 0x100 or tag > 0xFFFFFFFF:
                raise ValueError("bad instance tag")
            return AccountKeys(load_private_key(str(data["key"])), tag)
        except (ValueError, KeyError, TypeError) as error:
            log.warning("replacing unreadable stored OTR key for %s: %s", bare_jid, error)
    key = DSAPrivateKey.generate(random_bytes)
    tag = 0
    while tag < 0x100:
        tag = int.from_bytes(random_bytes(4), "big")
    put(name, json.dumps({"key": save_private_key(key), "instance_tag": tag}))
    return AccountKeys(key, tag)
