"""Cryptographic randomness in the browser: ``crypto.getRandomValues`` (never Python's ``random``).

The OTR engine takes a ``random_bytes(n)`` function; this is the one the browser passes it.
"""

from __future__ import annotations

import js  # type: ignore[import-not-found]

# getRandomValues fills at most 65536 bytes per call (WebCrypto's QuotaExceededError limit).
MAX_CHUNK = 65536


def random_bytes(n: int) -> bytes:
    """``n`` bytes from the browser's CSPRNG."""
    if n < 0:
        raise ValueError("n must be non-negative")
    out = bytearray()
    while len(out) < n:
        size = min(MAX_CHUNK, n - len(out))
        buffer = js.Uint8Array.new(size)
        js.crypto.getRandomValues(buffer)
        out += buffer.to_bytes()
    return bytes(out)
