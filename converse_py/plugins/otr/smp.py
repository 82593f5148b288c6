"""The Socialist Millionaires' Protocol (spec "The protocol" under SMP): both sides prove they
entered the same secret without revealing it, in four TLV messages over the encrypted session.

Arithmetic is in the RFC 3526 1536-bit group with g1 = 2; exponents are mod q = (p-1)/2.
Secrets arrive already combined (SHA-256 of version, fingerprints, ssid and the user's secret:
see ``OtrSession._smp_secret``).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from . import crypto
from .crypto import DH_MODULUS, RandomBytes
from .wire import (TLV, TLV_SMP1, TLV_SMP1Q, TLV_SMP2, TLV_SMP3, TLV_SMP4, TLV_SMP_ABORT, OtrFormatError, pack_mpi,
                   pack_mpis, unpack_mpis)

P = DH_MODULUS
Q = (DH_MODULUS - 1) // 2
G1 = crypto.DH_GENERATOR
EXPONENT_BITS = 320


class SmpState(enum.Enum):
    EXPECT1 = 1
    EXPECT2 = 2
    EXPECT3 = 3
    EXPECT4 = 4


@dataclass
class SmpEvent:
    """Progress worth telling the user: "asked" (with the question, if any), "succeeded",
    "failed", "aborted" (by the contact or because of a protocol error)."""

    status: str
    question: str | None = None


class SmpError(Exception):
    """A proof in an SMP message failed to verify."""


def smp_hash(version: int, a: int, b: int | None = None) -> int:
    data = bytes([version]) + pack_mpi(a) + (pack_mpi(b) if b is not None else b"")
    return int.from_bytes(crypto.sha256(data), "big")


def _check_group(*values: int) -> None:
    for v in values:
        if not 2 <= v <= P - 2:
            raise SmpError("group element out of range")


def _check_exp(*values: int) -> None:
    for v in values:
        if not 0 <= v < Q:
            raise SmpError("exponent out of range")


def _check_hash(*values: int) -> None:
    # The c values are SHA-256 outputs; bounding them also bounds the exponents we raise to.
    for v in values:
        if not 0 <= v < 1 << 256:
            raise SmpError("hash value out of range")


def _inv(v: int) -> int:
    return pow(v, -1, P)


class Smp:
    """One side's SMP state machine. ``handle`` returns (TLV to send or None, event or None)."""

    def __init__(self, random_bytes: RandomBytes) -> None:
        self.random_bytes = random_bytes
        self.state = SmpState.EXPECT1
        self.secret = 0
        self.question: str | None = None
        self.pending: list[int] | None = None  # SMP1 values awaiting our secret
        self.a2 = self.a3 = self.b3 = 0
        self.g2 = self.g3 = self.g3o = 0
        self.p = self.q = 0  # our P and Q values
        self.their_p = self.their_q = 0

    def _rand(self) -> int:
        while True:
            v = crypto.random_int_bits(self.random_bytes, EXPONENT_BITS)
            if v >= 2:
                return v

    def _reset(self) -> None:
        self.state = SmpState.EXPECT1
        self.pending = None
        self.question = None

    # -- initiator ----------------------------------------------------------------------------

    def start(self, secret: int, question: str | None = None) -> TLV:
        self._reset()
        self.secret = secret
        self.a2, self.a3 = self._rand(), self._rand()
        r2, r3 = self._rand(), self._rand()
        g2a, g3a = pow(G1, self.a2, P), pow(G1, self.a3, P)
        c2 = smp_hash(1, pow(G1, r2, P))
        d2 = (r2 - self.a2 * c2) % Q
        c3 = smp_hash(2, pow(G1, r3, P))
        d3 = (r3 - self.a3 * c3) % Q
        payload = pack_mpis([g2a, c2, d2, g3a, c3, d3])
        self.state = SmpState.EXPECT2
        if question is not None:
            return TLV(TLV_SMP1Q, question.encode("utf-8") + b"\x00" + payload)
        return TLV(TLV_SMP1, payload)

    # -- responder ----------------------------------------------------------------------------

    def respond(self, secret: int) -> TLV | None:
        """Our secret, after an "asked" event: builds SMP2."""
        if self.pending is None:
            return None
        g2a, c2, d2, g3a, c3, d3 = self.pending
        self.pending = None
        self.secret = secret
        b2, self.b3 = self._rand(), self._rand()
        r2, r3, r4, r5, r6 = (self._rand() for _ in range(5))
        g2b, g3b = pow(G1, b2, P), pow(G1, self.b3, P)
        c2b = smp_hash(3, pow(G1, r2, P))
        d2b = (r2 - b2 * c2b) % Q
        c3b = smp_hash(4, pow(G1, r3, P))
        d3b = (r3 - self.b3 * c3b) % Q
        self.g2, self.g3, self.g3o = pow(g2a, b2, P), pow(g3a, self.b3, P), g3a
        self.p = pow(self.g3, r4, P)
        self.q = pow(G1, r4, P) * pow(self.g2, secret, P) % P
        cp = smp_hash(5, pow(self.g3, r5, P), pow(G1, r5, P) * pow(self.g2, r6, P) % P)
        d5 = (r5 - r4 * cp) % Q
        d6 = (r6 - secret * cp) % Q
        self.state = SmpState.EXPECT3
        return TLV(TLV_SMP2, pack_mpis([g2b, c2b, d2b, g3b, c3b, d3b, self.p, self.q, cp, d5, d6]))

    # -- dispatch -----------------------------------------------------------------------------

    def abort(self) -> TLV:
        self._reset()
        return TLV(TLV_SMP_ABORT)

    def handle(self, tlv: TLV) -> tuple[TLV | None, SmpEvent | None]:
        if tlv.type == TLV_SMP_ABORT:
            self._reset()
            return None, SmpEvent("aborted")
        expected = {TLV_SMP1: SmpState.EXPECT1, TLV_SMP1Q: SmpState.EXPECT1, TLV_SMP2: SmpState.EXPECT2,
                    TLV_SMP3: SmpState.EXPECT3, TLV_SMP4: SmpState.EXPECT4}.get(tlv.type)
        if expected is None:
            return None, None
        if expected != self.state:
            return self.abort(), SmpEvent("aborted")
        try:
            if tlv.type in (TLV_SMP1, TLV_SMP1Q):
                return None, self._on_smp1(tlv)
            if tlv.type == TLV_SMP2:
                return self._on_smp2(unpack_mpis(tlv.value)), None
            if tlv.type == TLV_SMP3:
                return self._on_smp3(unpack_mpis(tlv.value))
            return None, self._on_smp4(unpack_mpis(tlv.value))
        except (SmpError, OtrFormatError, ValueError):
            return self.abort(), SmpEvent("aborted")

    def _on_smp1(self, tlv: TLV) -> SmpEvent:
        question = None
        raw = tlv.value
        if tlv.type == TLV_SMP1Q:
            nul = raw.find(b"\x00")
            if nul < 0:
                raise SmpError("SMP1Q without a question terminator")
            question = raw[:nul].decode("utf-8", "replace")
            raw = raw[nul + 1:]
        values = unpack_mpis(raw)
        if len(values) != 6:
            raise SmpError("SMP1 needs 6 values")
        g2a, c2, d2, g3a, c3, d3 = values
        _check_group(g2a, g3a)
        _check_exp(d2, d3)
        _check_hash(c2, c3)
        if c2 != smp_hash(1, pow(G1, d2, P) * pow(g2a, c2, P) % P):
            raise SmpError("bad proof of a2")
        if c3 != smp_hash(2, pow(G1, d3, P) * pow(g3a, c3, P) % P):
            raise SmpError("bad proof of a3")
        self.pending = values
        self.question = question
        return SmpEvent("asked", question)

    def _on_smp2(self, values: list[int]) -> TLV:
        if len(values) != 11:
            raise SmpError("SMP2 needs 11 values")
        g2b, c2, d2, g3b, c3, d3, pb, qb, cp, d5, d6 = values
        _check_group(g2b, g3b, pb, qb)
        _check_exp(d2, d3, d5, d6)
        _check_hash(c2, c3, cp)
        if c2 != smp_hash(3, pow(G1, d2, P) * pow(g2b, c2, P) % P):
            raise SmpError("bad proof of b2")
        if c3 != smp_hash(4, pow(G1, d3, P) * pow(g3b, c3, P) % P):
            raise SmpError("bad proof of b3")
        self.g2, self.g3, self.g3o = pow(g2b, self.a2, P), pow(g3b, self.a3, P), g3b
        if cp != smp_hash(5, pow(self.g3, d5, P) * pow(pb, cp, P) % P,
                          pow(G1, d5, P) * pow(self.g2, d6, P) * pow(qb, cp, P) % P):
            raise SmpError("bad proof of Pb/Qb")
        self.their_p, self.their_q = pb, qb
        r4, r5, r6, r7 = (self._rand() for _ in range(4))
        self.p = pow(self.g3, r4, P)
        self.q = pow(G1, r4, P) * pow(self.g2, self.secret, P) % P
        cpa = smp_hash(6, pow(self.g3, r5, P), pow(G1, r5, P) * pow(self.g2, r6, P) % P)
        d5a = (r5 - r4 * cpa) % Q
        d6a = (r6 - self.secret * cpa) % Q
        qab = self.q * _inv(qb) % P
        ra = pow(qab, self.a3, P)
        cr = smp_hash(7, pow(G1, r7, P), pow(qab, r7, P))
        d7 = (r7 - self.a3 * cr) % Q
        self.state = SmpState.EXPECT4
        return TLV(TLV_SMP3, pack_mpis([self.p, self.q, cpa, d5a, d6a, ra, cr, d7]))

    def _on_smp3(self, values: list[int]) -> tuple[TLV, SmpEvent]:
        if len(values) != 8:
            raise SmpError("SMP3 needs 8 values")
        pa, qa, cp, d5, d6, ra, cr, d7 = values
        _check_group(pa, qa, ra)
        _check_exp(d5, d6, d7)
        _check_hash(cp, cr)
        if cp != smp_hash(6, pow(self.g3, d5, P) * pow(pa, cp, P) % P,
                          pow(G1, d5, P) * pow(self.g2, d6, P) * pow(qa, cp, P) % P):
            raise SmpError("bad proof of Pa/Qa")
        qab = qa * _inv(self.q) % P
        if cr != smp_hash(7, pow(G1, d7, P) * pow(self.g3o, cr, P) % P, pow(qab, d7, P) * pow(ra, cr, P) % P):
            raise SmpError("bad proof of Ra")
        r7 = self._rand()
        rb = pow(qab, self.b3, P)
        crb = smp_hash(8, pow(G1, r7, P), pow(qab, r7, P))
        d7b = (r7 - self.b3 * crb) % Q
        rab = pow(ra, self.b3, P)
        success = rab == pa * _inv(self.p) % P
        self._reset()
        return TLV(TLV_SMP4, pack_mpis([rb, crb, d7b])), SmpEvent("succeeded" if success else "failed")

    def _on_smp4(self, values: list[int]) -> SmpEvent:
        if len(values) != 3:
            raise SmpError("SMP4 needs 3 values")
        rb, cr, d7 = values
        _check_group(rb)
        _check_exp(d7)
        _check_hash(cr)
        qab = self.q * _inv(self.their_q) % P
        if cr != smp_hash(8, pow(G1, d7, P) * pow(self.g3o, cr, P) % P, pow(qab, d7, P) * pow(rb, cr, P) % P):
            raise SmpError("bad proof of Rb")
        rab = pow(rb, self.a3, P)
        success = rab == self.p * _inv(self.their_p) % P
        self._reset()
        return SmpEvent("succeeded" if success else "failed")
