"""The errors of the OMEMO core. Their messages never hold key material or decrypted text.

>>> str(DecryptionError("the message authentication code does not match"))
'the message authentication code does not match'
"""

from __future__ import annotations


class OmemoError(Exception):
    """Any failure of the OMEMO core (bad input from the network or a broken session)."""


class WireFormatError(OmemoError):
    """Bytes from the network are not a well-formed OMEMO message, key exchange or key."""


class DecryptionError(OmemoError):
    """A message cannot be decrypted: wrong key, altered bytes, replay or no usable session."""


class KeyExchangeError(OmemoError):
    """A bundle or key exchange cannot start a session (bad signature, unknown pre-key ids)."""
