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

from .crypto import DSAPrivateKey
from .wire import OtrFormatError, Reader, pack_mpi

PREFIX = "otr-dsa-1:"


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
