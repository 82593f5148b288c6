"""Curve25519 / Ed25519 arithmetic in pure Python, for XEdDSA and the key conversions WebCrypto lacks.

Points of the twisted Edwards curve are kept in extended coordinates ``(X, Y, Z, T)``; encodings are
RFC 8032's (little-endian y, the sign of x in the top bit). Python integers are not constant-time: this
is used only for the rare signed pre-key signature and for checking signatures, where the secret enters
a handful of times.

The Montgomery u-coordinate of the Edwards base point is 9, as it must be:

>>> montgomery_u(encode_point(BASE)).to_bytes(32, "little")[0]
9
"""

from __future__ import annotations

from typing import NamedTuple

from .errors import WireFormatError

P = 2 ** 255 - 19
#: The order of the base point.
Q = 2 ** 252 + 27742317777372353535851937790883648493
D = -121665 * pow(121666, P - 2, P) % P
SQRT_M1 = pow(2, (P - 1) // 4, P)


class Point(NamedTuple):
    """A point in extended coordinates: x = X/Z, y = Y/Z, x*y = T/Z."""

    x: int
    y: int
    z: int
    t: int


IDENTITY = Point(0, 1, 1, 0)


def add(a: Point, b: Point) -> Point:
    """The sum of two points (unified formula for a = -1, complete on Ed25519)."""
    aa = (a.y - a.x) * (b.y - b.x) % P
    bb = (a.y + a.x) * (b.y + b.x) % P
    cc = 2 * D * a.t * b.t % P
    dd = 2 * a.z * b.z % P
    e, f, g, h = bb - aa, dd - cc, dd + cc, bb + aa
    return Point(e * f % P, g * h % P, f * g % P, e * h % P)


def double(a: Point) -> Point:
    """Twice a point."""
    aa = a.x * a.x % P
    bb = a.y * a.y % P
    cc = 2 * a.z * a.z % P
    h = aa + bb
    e = h - (a.x + a.y) * (a.x + a.y)
    g = aa - bb
    f = cc + g
    return Point(e * f % P, g * h % P, f * g % P, e * h % P)


def negate(a: Point) -> Point:
    """The point with x negated."""
    return Point(-a.x % P, a.y, a.z, -a.t % P)


def multiply(scalar: int, point: Point) -> Point:
    """``scalar`` times ``point`` (double and add)."""
    result = IDENTITY
    for bit in bin(scalar)[2:] if scalar > 0 else "":
        result = double(result)
        if bit == "1":
            result = add(result, point)
    return result


def _base() -> Point:
    y = 4 * pow(5, P - 2, P) % P
    x = recover_x(y, 0)
    return Point(x, y, 1, x * y % P)


def recover_x(y: int, sign: int) -> int:
    """The x with this sign bit for which (x, y) is on the curve; ``WireFormatError`` when none is."""
    if y >= P:
        raise WireFormatError("not a curve point: y is out of range")
    x2 = (y * y - 1) * pow(D * y * y + 1, P - 2, P) % P
    if x2 == 0:
        if sign:
            raise WireFormatError("not a curve point: x = 0 with the sign bit set")
        return 0
    x = pow(x2, (P + 3) // 8, P)
    if (x * x - x2) % P:
        x = x * SQRT_M1 % P
    if (x * x - x2) % P:
        raise WireFormatError("not a curve point")
    return P - x if x & 1 != sign else x


BASE = _base()
_BASE_POWERS: list[Point] = []


def multiply_base(scalar: int) -> Point:
    """``scalar`` times the base point, with a table of its powers of two built on first use."""
    if not _BASE_POWERS:
        power = BASE
        for _ in range(256):
            _BASE_POWERS.append(power)
            power = double(power)
    result = IDENTITY
    scalar %= Q
    index = 0
    while scalar:
        if scalar & 1:
            result = add(result, _BASE_POWERS[index])
        scalar >>= 1
        index += 1
    return result


def encode_point(point: Point) -> bytes:
    """RFC 8032 encoding: y little-endian, the low bit of x in the top bit."""
    inverse = pow(point.z, P - 2, P)
    x, y = point.x * inverse % P, point.y * inverse % P
    return (y | (x & 1) << 255).to_bytes(32, "little")


def decode_point(data: bytes) -> Point:
    """The point an RFC 8032 encoding names (``WireFormatError`` when it names none)."""
    if len(data) != 32:
        raise WireFormatError("an Ed25519 public key is 32 bytes")
    value = int.from_bytes(data, "little")
    y, sign = value & (2 ** 255 - 1), value >> 255
    x = recover_x(y, sign)
    return Point(x, y, 1, x * y % P)


def montgomery_u(ed25519_public: bytes) -> int:
    """The Montgomery u of an encoded Edwards point: u = (1 + y) / (1 - y)."""
    y = int.from_bytes(ed25519_public, "little") & (2 ** 255 - 1)
    if y >= P or y == 1:
        raise WireFormatError("this Ed25519 key has no Curve25519 form")
    return (1 + y) * pow(1 - y, P - 2, P) % P


def edwards_y(curve25519_public: bytes) -> int:
    """The Edwards y of a Montgomery u (its top bit masked, as XEdDSA says): y = (u - 1) / (u + 1)."""
    if len(curve25519_public) != 32:
        raise WireFormatError("a Curve25519 public key is 32 bytes")
    u = int.from_bytes(curve25519_public, "little") & (2 ** 255 - 1)
    if u >= P or (u + 1) % P == 0:
        raise WireFormatError("this Curve25519 key has no Edwards form")
    return (u - 1) * pow(u + 1, P - 2, P) % P
