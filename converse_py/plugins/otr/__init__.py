"""Off-the-Record messaging (OTR protocol versions 3 and 2) in pure Python: see docs/otr.md.

The engine (``OtrSession``) does no I/O and draws randomness only from the ``random_bytes``
function it is given.
"""

from .crypto import DSAPrivateKey, DSAPublicKey
from .keys import AccountKeys, load_or_create_account_keys, load_private_key, save_private_key
from .session import MessageState, OtrArgumentError, OtrSendRefused, OtrSession, OtrState, Policy, Received

__all__ = ["AccountKeys", "DSAPrivateKey", "DSAPublicKey", "MessageState", "OtrArgumentError", "OtrSendRefused",
           "OtrSession", "OtrState", "Policy", "Received", "load_or_create_account_keys", "load_private_key",
           "save_private_key"]
