"""The authenticated key exchange (spec "Authenticated Key Exchange"): a SIGMA-style exchange of
D-H Commit, D-H Key, Reveal Signature and Signature messages, with the spec's four auth states.

"Bob" in the spec is the side that sends the D-H Commit; "Alice" answers with the D-H Key.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

from . import crypto
from .crypto import DSAPrivateKey, DSAPublicKey, RandomBytes
from .wire import (MSG_DH_COMMIT, MSG_DH_KEY, MSG_REVEAL_SIGNATURE, MSG_SIGNATURE, DHCommit, DHKey, Header, Message,
                   OtrFormatError, Reader, RevealSignature, Signature, pack_data, pack_int, pack_mpi, pack_pubkey,
                   pack_signature)


class AuthState(enum.Enum):
    NONE = "none"
    AWAITING_DHKEY = "awaiting-dhkey"
    AWAITING_REVEALSIG = "awaiting-revealsig"
    AWAITING_SIG = "awaiting-sig"


@dataclass
class AkeKeys:
    """The values derived from the shared secret s (spec: "computing keys from s")."""

    ssid: bytes
    c: bytes
    c_prime: bytes
    m1: bytes
    m2: bytes
    m1_prime: bytes
    m2_prime: bytes

    @classmethod
    def derive(cls, s: int) -> AkeKeys:
        secbytes = pack_mpi(s)

        def h2(b: int) -> bytes:
            return crypto.sha256(bytes([b]) + secbytes)

        cc = h2(0x01)
        return cls(h2(0x00)[:8], cc[:16], cc[16:], h2(0x02), h2(0x03), h2(0x04), h2(0x05))


@dataclass
class AkeResult:
    """What a completed AKE hands to the session: the secure session id, the peer's long-term key
    and the first D-H key pairs of both sides."""

    version: int
    ssid: bytes
    their_public_key: DSAPublicKey
    our_dh_private: int
    our_keyid: int
    their_dh_public: int
    their_keyid: int
    their_tag: int
    we_started: bool  # True for the D-H Commit sender ("Bob"): SMP's initiator/responder order


class AkeError(Exception):
    """An AKE message that fails verification; the spec says to ignore it."""


ZERO_CTR = bytes(16)
OUR_KEYID = 1


class Ake:
    """The AKE state machine of one conversation. ``handle`` returns (reply or None, result or None)."""

    def __init__(self, key: DSAPrivateKey, random_bytes: RandomBytes, our_tag: int) -> None:
        self.key = key
        self.random_bytes = random_bytes
        self.our_tag = our_tag
        self.state = AuthState.NONE
        self.version = 3
        self.their_tag = 0
        self.r = b""
        self.x = 0
        self.gx = 0
        self.gy = 0
        self.y = 0
        self.encrypted_gx = b""
        self.hashed_gx = b""
        self.last_message: Message | None = None

    def _header(self, msg_type: int) -> Header:
        return Header(self.version, msg_type, self.our_tag, self.their_tag)

    # -- Bob: start -------------------------------------------------------------------------

    def start(self, version: int, their_tag: int = 0) -> DHCommit:
        """Begin (or restart) the AKE: a fresh r and x, a D-H Commit, state AWAITING_DHKEY."""
        self.version = version
        self.their_tag = their_tag
        self.r = self.random_bytes(16)
        self.x = crypto.dh_generate_private(self.random_bytes)
        self.gx = crypto.dh_public(self.x)
        gx_mpi = pack_mpi(self.gx)
        commit = DHCommit(self._header(MSG_DH_COMMIT), crypto.aes128_ctr(self.r, ZERO_CTR, gx_mpi),
                          crypto.sha256(gx_mpi))
        self.state = AuthState.AWAITING_DHKEY
        self.last_message = commit
        return commit

    # -- dispatch ---------------------------------------------------------------------------

    def handle(self, message: Message) -> tuple[Message | None, AkeResult | None]:
        if isinstance(message, DHCommit):
            return self._on_commit(message), None
        if isinstance(message, DHKey):
            return self._on_dh_key(message), None
        if isinstance(message, RevealSignature):
            return self._on_reveal(message)
        if isinstance(message, Signature):
            return None, self._on_signature(message)
        return None, None

    # -- Alice: D-H Commit -> D-H Key ------------------------------------------------------------

    def _on_commit(self, msg: DHCommit) -> Message | None:
        if self.state == AuthState.AWAITING_DHKEY:
            ours = int.from_bytes(self.hashed_gx_sent(), "big")
            theirs = int.from_bytes(msg.hashed_gx, "big")
            if ours > theirs:
                return self.last_message  # we win: resend our commit, ignore theirs
        if self.state == AuthState.AWAITING_REVEALSIG:
            # Retransmit the same D-H Key, remember the new commitment.
            self.encrypted_gx, self.hashed_gx = msg.encrypted_gx, msg.hashed_gx
            self.their_tag = msg.header.sender_tag
            return self.last_message
        self.version = msg.header.version
        self.their_tag = msg.header.sender_tag
        self.encrypted_gx, self.hashed_gx = msg.encrypted_gx, msg.hashed_gx
        self.y = crypto.dh_generate_private(self.random_bytes)
        self.gy = crypto.dh_public(self.y)
        reply = DHKey(self._header(MSG_DH_KEY), self.gy)
        self.state = AuthState.AWAITING_REVEALSIG
        self.last_message = reply
        return reply

    def hashed_gx_sent(self) -> bytes:
        return crypto.sha256(pack_mpi(self.gx))

    # -- Bob: D-H Key -> Reveal Signature --------------------------------------------------------

    def _on_dh_key(self, msg: DHKey) -> Message | None:
        if self.state == AuthState.AWAITING_SIG:
            return self.last_message if msg.gy == self.gy else None
        if self.state != AuthState.AWAITING_DHKEY:
            return None
        if not crypto.dh_public_is_valid(msg.gy):
            return None
        self.gy = msg.gy
        self.their_tag = msg.header.sender_tag
        keys = AkeKeys.derive(crypto.dh_shared(self.x, self.gy))
        encsig = self._encrypted_signature(keys.m1, keys.c, self.gx, self.gy)
        mac = crypto.hmac_sha256_160(keys.m2, pack_data(encsig))
        reply = RevealSignature(self._header(MSG_REVEAL_SIGNATURE), self.r, encsig, mac)
        self.state = AuthState.AWAITING_SIG
        self.last_message = reply
        return reply

    def _encrypted_signature(self, m1: bytes, c: bytes, ours: int, theirs: int) -> bytes:
        pub = pack_pubkey(self.key)
        mb = crypto.hmac_sha256(m1, pack_mpi(ours) + pack_mpi(theirs) + pub + pack_int(OUR_KEYID))
        r, s = self.key.sign(mb, self.random_bytes)
        xb = pub + pack_int(OUR_KEYID) + pack_signature(self.key, r, s)
        return crypto.aes128_ctr(c, ZERO_CTR, xb)

    def _verify_signature(self, m1: bytes, c: bytes, encsig: bytes, theirs: int, ours: int) -> tuple[DSAPublicKey, int]:
        reader = Reader(crypto.aes128_ctr(c, ZERO_CTR, encsig))
        try:
            pub = reader.pubkey()
            keyid = reader.uint32()
            r, s = reader.signature(pub)
            reader.end()
        except OtrFormatError as error:
            raise AkeError(f"bad signature block: {error}") from error
        if keyid == 0:
            raise AkeError("key id 0")
        mb = crypto.hmac_sha256(m1, pack_mpi(theirs) + pack_mpi(ours) + pack_pubkey(pub) + pack_int(keyid))
        if not pub.verify(mb, r, s):
            raise AkeError("signature does not verify")
        return pub, keyid

    # -- Alice: Reveal Signature -> Signature ----------------------------------------------------

    def _on_reveal(self, msg: RevealSignature) -> tuple[Message | None, AkeResult | None]:
        if self.state != AuthState.AWAITING_REVEALSIG:
            return None, None
        try:
            gx_mpi = crypto.aes128_ctr(msg.revealed_key, ZERO_CTR, self.encrypted_gx) if len(msg.revealed_key) == 16 \
                else b""
            if not gx_mpi or not crypto.constant_time_equal(crypto.sha256(gx_mpi), self.hashed_gx):
                raise AkeError("revealed g^x does not match the commitment")
            reader = Reader(gx_mpi)
            gx = reader.mpi()
            reader.end()
            if not crypto.dh_public_is_valid(gx):
                raise AkeError("illegal g^x")
            keys = AkeKeys.derive(crypto.dh_shared(self.y, gx))
            if not crypto.constant_time_equal(crypto.hmac_sha256_160(keys.m2, pack_data(msg.encrypted_signature)),
                                              msg.mac):
                raise AkeError("bad MAC on the revealed signature")
            their_pub, their_keyid = self._verify_signature(keys.m1, keys.c, msg.encrypted_signature, gx, self.gy)
        except (AkeError, OtrFormatError):
            return None, None  # the spec: ignore the message
        encsig = self._encrypted_signature(keys.m1_prime, keys.c_prime, self.gy, gx)
        mac = crypto.hmac_sha256_160(keys.m2_prime, pack_data(encsig))
        reply = Signature(self._header(MSG_SIGNATURE), encsig, mac)
        self.state = AuthState.NONE
        self.last_message = None
        result = AkeResult(self.version, keys.ssid, their_pub, self.y, OUR_KEYID, gx, their_keyid, self.their_tag,
                           we_started=False)
        return reply, result

    # -- Bob: Signature -> done ------------------------------------------------------------------

    def _on_signature(self, msg: Signature) -> AkeResult | None:
        if self.state != AuthState.AWAITING_SIG:
            return None
        keys = AkeKeys.derive(crypto.dh_shared(self.x, self.gy))
        if not crypto.constant_time_equal(crypto.hmac_sha256_160(keys.m2_prime, pack_data(msg.encrypted_signature)),
                                          msg.mac):
            return None
        try:
            their_pub, their_keyid = self._verify_signature(keys.m1_prime, keys.c_prime, msg.encrypted_signature,
                                                            self.gy, self.gx)
        except (AkeError, OtrFormatError):
            return None
        self.state = AuthState.NONE
        self.last_message = None
        return AkeResult(self.version, keys.ssid, their_pub, self.x, OUR_KEYID, self.gy, their_keyid, self.their_tag,
                         we_started=True)

