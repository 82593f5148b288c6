"""Cryptographic primitives for OTR, in pure Python (runs the same on CPython and Pyodide).

* SHA-1, SHA-256 and HMAC come from the standard library (``hashlib``/``hmac`` ship with Pyodide).
* AES-128 is implemented here (encryption direction only: OTR only ever uses it in CTR mode),
  checked against FIPS-197 and NIST SP 800-38A.
* Diffie-Hellman uses the 1536-bit MODP group of RFC 3526, with Python integers.
* DSA (FIPS 186, L = 1024, N = 160) with Python integers: key generation, signing, verification.

No function here draws randomness by itself: every caller passes a ``random_bytes(n)`` function
(``os.urandom`` on CPython, ``crypto.getRandomValues`` in the browser). The ``random`` module is
never used.

>>> aes128_encrypt_block(bytes(range(16)), bytes.fromhex("00112233445566778899aabbccddeeff")).hex()
'69c4e0d86a7b0430d8cdb78070b4c55a'
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable

RandomBytes = Callable[[int], bytes]

# --------------------------------------------------------------------------------------------
# Hashes and MACs


def sha1(data: bytes) -> bytes:
    return hashlib.sha1(data).digest()


def sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def hmac_sha1(key: bytes, data: bytes) -> bytes:
    return hmac.new(key, data, hashlib.sha1).digest()


def hmac_sha256(key: bytes, data: bytes) -> bytes:
    return hmac.new(key, data, hashlib.sha256).digest()


def hmac_sha256_160(key: bytes, data: bytes) -> bytes:
    """The first 160 bits of SHA256-HMAC (the AKE's MAC fields)."""
    return hmac_sha256(key, data)[:20]


def constant_time_equal(a: bytes, b: bytes) -> bool:
    return hmac.compare_digest(a, b)


# --------------------------------------------------------------------------------------------
# AES-128 (encryption only) and CTR mode


def _xtime(a: int) -> int:
    a <<= 1
    return (a ^ 0x11B) if a & 0x100 else a


def _build_sbox() -> list[int]:
    # Multiplicative inverse in GF(2^8) followed by the affine transform (FIPS-197 5.1.1).
    exp = [0] * 512
    log = [0] * 256
    x = 1
    for i in range(255):
        exp[i] = x
        log[x] = i
        x ^= _xtime(x)  # multiply by the generator 3
    for i in range(255, 512):
        exp[i] = exp[i - 255]
    sbox = [0] * 256
    for a in range(256):
        inv = 0 if a == 0 else exp[255 - log[a]]
        s = inv
        for shift in range(1, 5):
            s ^= ((inv << shift) | (inv >> (8 - shift))) & 0xFF
        sbox[a] = s ^ 0x63
    return sbox


_SBOX = _build_sbox()
# T-tables: SubBytes + ShiftRows + MixColumns folded into four 256-entry tables of 32-bit words.
_TE0 = [(_xtime(s) << 24) | (s << 16) | (s << 8) | (_xtime(s) ^ s) for s in _SBOX]
_TE1 = [((t >> 8) | (t << 24)) & 0xFFFFFFFF for t in _TE0]
_TE2 = [((t >> 16) | (t << 16)) & 0xFFFFFFFF for t in _TE0]
_TE3 = [((t >> 24) | (t << 8)) & 0xFFFFFFFF for t in _TE0]
_RCON = [0x01, 0x02, 0x04, 0x08, 0x10, 0x20, 0x40, 0x80, 0x1B, 0x36]


def aes128_expand_key(key: bytes) -> list[int]:
    """The 44 round-key words of AES-128 (FIPS-197 5.2)."""
    if len(key) != 16:
        raise ValueError("AES-128 needs a 16-byte key")
    w = [int.from_bytes(key[i:i + 4], "big") for i in range(0, 16, 4)]
    sb = _SBOX
    for i in range(4, 44):
        t = w[i - 1]
        if i % 4 == 0:
            t = ((t << 8) & 0xFFFFFFFF) | (t >> 24)
            t = (sb[t >> 24] << 24) | (sb[(t >> 16) & 0xFF] << 16) | (sb[(t >> 8) & 0xFF] << 8) | sb[t & 0xFF]
            t ^= _RCON[i // 4 - 1] << 24
        w.append(w[i - 4] ^ t)
    return w


def _encrypt_words(rk: list[int], s0: int, s1: int, s2: int, s3: int) -> bytes:
    t0, t1, t2, t3 = _TE0, _TE1, _TE2, _TE3
    s0 ^= rk[0]
    s1 ^= rk[1]
    s2 ^= rk[2]
    s3 ^= rk[3]
    k = 4
    for _ in range(9):
        n0 = t0[s0 >> 24] ^ t1[(s1 >> 16) & 0xFF] ^ t2[(s2 >> 8) & 0xFF] ^ t3[s3 & 0xFF] ^ rk[k]
        n1 = t0[s1 >> 24] ^ t1[(s2 >> 16) & 0xFF] ^ t2[(s3 >> 8) & 0xFF] ^ t3[s0 & 0xFF] ^ rk[k + 1]
        n2 = t0[s2 >> 24] ^ t1[(s3 >> 16) & 0xFF] ^ t2[(s0 >> 8) & 0xFF] ^ t3[s1 & 0xFF] ^ rk[k + 2]
        n3 = t0[s3 >> 24] ^ t1[(s0 >> 16) & 0xFF] ^ t2[(s1 >> 8) & 0xFF] ^ t3[s2 & 0xFF] ^ rk[k + 3]
        s0, s1, s2, s3 = n0, n1, n2, n3
        k += 4
    sb = _SBOX
    out = bytearray(16)
    for i, (a, b, c, d) in enumerate(((s0, s1, s2, s3), (s1, s2, s3, s0), (s2, s3, s0, s1), (s3, s0, s1, s2))):
        word = ((sb[a >> 24] << 24) | (sb[(b >> 16) & 0xFF] << 16) | (sb[(c >> 8) & 0xFF] << 8)
                | sb[d & 0xFF]) ^ rk[40 + i]
        out[4 * i:4 * i + 4] = word.to_bytes(4, "big")
    return bytes(out)


def aes128_encrypt_block(key: bytes, block: bytes) -> bytes:
    if len(block) != 16:
        raise ValueError("AES works on 16-byte blocks")
    rk = aes128_expand_key(key)
    return _encrypt_words(rk, *(int.from_bytes(block[i:i + 4], "big") for i in range(0, 16, 4)))


def aes128_ctr(key: bytes, initial_counter: bytes, data: bytes) -> bytes:
    """AES-128 in counter mode; the 16-byte counter block is incremented as one big-endian integer.

    Encryption and decryption are the same operation. OTR's counter is the 8-byte ``CTR`` field
    followed by eight zero bytes (``initial_counter=ctr + bytes(8)``).
    """
    if len(initial_counter) != 16:
        raise ValueError("the counter block is 16 bytes")
    rk = aes128_expand_key(key)
    counter = int.from_bytes(initial_counter, "big")
    out = bytearray(len(data))
    mask = (1 << 128) - 1
    for offset in range(0, len(data), 16):
        stream = _encrypt_words(rk, counter >> 96, (counter >> 64) & 0xFFFFFFFF, (counter >> 32) & 0xFFFFFFFF,
                                counter & 0xFFFFFFFF)
        chunk = data[offset:offset + 16]
        out[offset:offset + len(chunk)] = bytes(x ^ y for x, y in zip(chunk, stream))
        counter = (counter + 1) & mask
    return bytes(out)


# --------------------------------------------------------------------------------------------
# Random numbers from an injected source


def random_int_bits(random_bytes: RandomBytes, bits: int) -> int:
    """A uniformly random integer of at most ``bits`` bits."""
    nbytes = (bits + 7) // 8
    value = int.from_bytes(random_bytes(nbytes), "big")
    return value >> (nbytes * 8 - bits)


def random_range(random_bytes: RandomBytes, low: int, high: int) -> int:
    """A uniformly random integer in [low, high) by rejection sampling."""
    span = high - low
    if span <= 0:
        raise ValueError("empty range")
    bits = span.bit_length()
    while True:
        value = random_int_bits(random_bytes, bits)
        if value < span:
            return low + value


# --------------------------------------------------------------------------------------------
# Diffie-Hellman: RFC 3526 group 5 (1536-bit MODP), generator 2

DH_MODULUS = int(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1"
    "29024E088A67CC74020BBEA63B139B22514A08798E3404DD"
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245"
    "E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED"
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3D"
    "C2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F"
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D"
    "670C354E4ABC9804F1746C08CA237327FFFFFFFFFFFFFFFF", 16)
DH_GENERATOR = 2
DH_MODULUS_MINUS_2 = DH_MODULUS - 2
DH_PRIVATE_BITS = 320  # the spec asks for at least 320 bits of randomness


def dh_generate_private(random_bytes: RandomBytes) -> int:
    while True:
        x = random_int_bits(random_bytes, DH_PRIVATE_BITS)
        if x >= 2:
            return x


def dh_public(private: int) -> int:
    return pow(DH_GENERATOR, private, DH_MODULUS)


def dh_shared(private: int, their_public: int) -> int:
    return pow(their_public, private, DH_MODULUS)


def dh_public_is_valid(value: int) -> bool:
    """Received D-H values must lie in [2, p-2] (spec: "check that ... is a legal value")."""
    return 2 <= value <= DH_MODULUS_MINUS_2


# --------------------------------------------------------------------------------------------
# Primality and DSA

_SMALL_PRIMES = [p for p in range(3, 2000) if all(p % d for d in range(2, int(p ** 0.5) + 1))]


def is_probable_prime(n: int, random_bytes: RandomBytes, rounds: int = 40) -> bool:
    """Trial division by small primes, then ``rounds`` Miller-Rabin rounds with random bases."""
    if n < 2:
        return False
    if n % 2 == 0:
        return n == 2
    for p in _SMALL_PRIMES:
        if n % p == 0:
            return n == p
    d = n - 1
    s = 0
    while d % 2 == 0:
        d //= 2
        s += 1
    for _ in range(rounds):
        a = random_range(random_bytes, 2, n - 1)
        x = pow(a, d, n)
        if x == 1 or x == n - 1:
            continue
        for _ in range(s - 1):
            x = x * x % n
            if x == n - 1:
                break
        else:
            return False
    return True


def _random_prime(random_bytes: RandomBytes, bits: int) -> int:
    while True:
        candidate = random_int_bits(random_bytes, bits) | (1 << (bits - 1)) | 1
        if is_probable_prime(candidate, random_bytes):
            return candidate


def generate_dsa_parameters(random_bytes: RandomBytes, l_bits: int = 1024, n_bits: int = 160) -> tuple[int, int, int]:
    """Domain parameters (p, q, g): q an N-bit prime, p an L-bit prime with q | p-1, g of order q.

    The search follows FIPS 186-4 A.1.1.2 in shape (p = X - (X mod 2q) + 1 for random L-bit X) with
    the injected random source instead of a seeded SHA stream; primality by trial division and
    40 rounds of Miller-Rabin (FIPS 186-4 table C.1 for L=1024).
    """
    q = _random_prime(random_bytes, n_bits)
    two_q = 2 * q
    low = 1 << (l_bits - 1)
    while True:
        x = random_int_bits(random_bytes, l_bits) | low
        p = x - (x % two_q) + 1
        if p < low:
            continue
        # Cheap sieve before the expensive test.
        if any(p % sp == 0 for sp in _SMALL_PRIMES):
            continue
        if is_probable_prime(p, random_bytes):
            break
    e = (p - 1) // q
    h = 2
    while True:
        g = pow(h, e, p)
        if g > 1:
            return p, q, g
        h += 1


class DSAPublicKey:
    """A DSA public key (p, q, g, y)."""

    def __init__(self, p: int, q: int, g: int, y: int) -> None:
        self.p, self.q, self.g, self.y = p, q, g, y

    def verify(self, digest: bytes, r: int, s: int) -> bool:
        """Verify (r, s) over ``digest``; as OTR does, the digest is read as an integer mod q."""
        p, q, g, y = self.p, self.q, self.g, self.y
        if not (0 < r < q and 0 < s < q):
            return False
        m = int.from_bytes(digest, "big") % q
        w = pow(s, -1, q)
        u1 = m * w % q
        u2 = r * w % q
        v = pow(g, u1, p) * pow(y, u2, p) % p % q
        return v == r

    def payload(self) -> tuple[int, int, int, int]:
        return self.p, self.q, self.g, self.y

    def __eq__(self, other: object) -> bool:
        return isinstance(other, DSAPublicKey) and self.payload() == other.payload()

    def __hash__(self) -> int:
        return hash(self.payload())


class DSAPrivateKey(DSAPublicKey):
    """A DSA key pair (p, q, g, y, x)."""

    def __init__(self, p: int, q: int, g: int, y: int, x: int) -> None:
        super().__init__(p, q, g, y)
        self.x = x

    @classmethod
    def generate(cls, random_bytes: RandomBytes, l_bits: int = 1024, n_bits: int = 160) -> DSAPrivateKey:
        p, q, g = generate_dsa_parameters(random_bytes, l_bits, n_bits)
        x = random_range(random_bytes, 1, q)
        return cls(p, q, g, pow(g, x, p), x)

    def public_key(self) -> DSAPublicKey:
        return DSAPublicKey(self.p, self.q, self.g, self.y)

    def sign(self, digest: bytes, random_bytes: RandomBytes) -> tuple[int, int]:
        """Sign ``digest`` (read as an integer mod q, as libotr and otr4j do); returns (r, s)."""
        p, q, g, x = self.p, self.q, self.g, self.x
        m = int.from_bytes(digest, "big") % q
        while True:
            k = random_range(random_bytes, 1, q)
            r = pow(g, k, p) % q
            if r == 0:
                continue
            s = pow(k, -1, q) * (m + x * r) % q
            if s != 0:
                return r, s

    def sign_with_k(self, digest: bytes, k: int) -> tuple[int, int]:
        """Deterministic signing with a given nonce (for known-answer tests only)."""
        m = int.from_bytes(digest, "big") % self.q
        r = pow(self.g, k, self.p) % self.q
        return r, pow(k, -1, self.q) * (m + self.x * r) % self.q
