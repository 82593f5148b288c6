"""OTR crypto primitives against published known-answer vectors."""

from __future__ import annotations

import ast
import hashlib
import os
import pathlib
import time

import pytest

from converse_py.plugins.otr import crypto
from converse_py.plugins.otr.crypto import DSAPrivateKey, DSAPublicKey

OTR_DIR = pathlib.Path(crypto.__file__).parent


def test_aes128_fips197_appendix_c1() -> None:
    key = bytes.fromhex("000102030405060708090a0b0c0d0e0f")
    plain = bytes.fromhex("00112233445566778899aabbccddeeff")
    assert crypto.aes128_encrypt_block(key, plain).hex() == "69c4e0d86a7b0430d8cdb78070b4c55a"


def test_aes128_fips197_appendix_b_and_key_expansion() -> None:
    key = bytes.fromhex("2b7e151628aed2a6abf7158809cf4f3c")
    assert crypto.aes128_encrypt_block(key, bytes.fromhex("3243f6a8885a308d313198a2e0370734")).hex() == \
        "3925841d02dc09fbdc118597196a0b32"
    words = crypto.aes128_expand_key(key)
    assert f"{words[4]:08x}" == "a0fafe17"  # FIPS-197 A.1
    assert f"{words[43]:08x}" == "b6630ca6"


SP800_38A_KEY = bytes.fromhex("2b7e151628aed2a6abf7158809cf4f3c")
SP800_38A_COUNTER = bytes.fromhex("f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff")
SP800_38A_PLAIN = bytes.fromhex(
    "6bc1bee22e409f96e93d7e117393172a" "ae2d8a571e03ac9c9eb76fac45af8e51"
    "30c81c46a35ce411e5fbc1191a0a52ef" "f69f2445df4f9b17ad2b417be66c3710")
SP800_38A_CIPHER = bytes.fromhex(
    "874d6191b620e3261bef6864990db6ce" "9806f66b7970fdff8617187bb9fffdff"
    "5ae4df3edbd5d35e5b4f09020db03eab" "1e031dda2fbe03d1792170a0f3009cee")


def test_aes128_ctr_sp800_38a_f51_encrypt_and_f52_decrypt() -> None:
    assert crypto.aes128_ctr(SP800_38A_KEY, SP800_38A_COUNTER, SP800_38A_PLAIN) == SP800_38A_CIPHER
    assert crypto.aes128_ctr(SP800_38A_KEY, SP800_38A_COUNTER, SP800_38A_CIPHER) == SP800_38A_PLAIN
    # The counter wraps from all-ones to zero (F.5.1's counter block is near the top).
    assert crypto.aes128_ctr(SP800_38A_KEY, SP800_38A_COUNTER, SP800_38A_PLAIN[:21]) == SP800_38A_CIPHER[:21]


def test_aes128_ctr_matches_pycryptodome_on_random_inputs() -> None:
    aes = pytest.importorskip("Crypto.Cipher.AES")
    for length in (0, 1, 15, 16, 17, 100, 1000):
        key, ctr, data = os.urandom(16), os.urandom(8), os.urandom(length)
        expected = aes.new(key, aes.MODE_CTR, nonce=ctr, initial_value=0).encrypt(data)
        assert crypto.aes128_ctr(key, ctr + bytes(8), data) == expected


def test_aes_rejects_wrong_sizes() -> None:
    with pytest.raises(ValueError):
        crypto.aes128_encrypt_block(bytes(15), bytes(16))
    with pytest.raises(ValueError):
        crypto.aes128_ctr(bytes(16), bytes(8), b"x")


def test_hmac_sha256_160_is_the_truncated_hmac() -> None:
    # RFC 4231 test case 2.
    full = crypto.hmac_sha256(b"Jefe", b"what do ya want for nothing?")
    assert full.hex() == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    assert crypto.hmac_sha256_160(b"Jefe", b"what do ya want for nothing?") == full[:20]
    # RFC 2202 test case 2 for HMAC-SHA1.
    assert crypto.hmac_sha1(b"Jefe", b"what do ya want for nothing?").hex() == \
        "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79"


# RFC 6979 A.2.1: DSA, 1024 bits, SHA-1 (a 160-bit digest: no reduction question arises).
RFC6979_P = int("86F5CA03DCFEB225063FF830A0C769B9DD9D6153AD91D7CE27F787C43278B447"
                "E6533B86B18BED6E8A48B784A14C252C5BE0DBF60B86D6385BD2F12FB763ED88"
                "73ABFD3F5BA2E0A8C0A59082EAC056935E529DAF7C610467899C77ADEDFC846C"
                "881870B7B19B2B58F9BE0521A17002E3BDD6B86685EE90B3D9A1B02B782B1779", 16)
RFC6979_Q = int("996F967F6C8E388D9E28D01E205FBA957A5698B1", 16)
RFC6979_G = int("07B0F92546150B62514BB771E2A0C0CE387F03BDA6C56B505209FF25FD3C133D"
                "89BBCD97E904E09114D9A7DEFDEADFC9078EA544D2E401AEECC40BB9FBBF78FD"
                "87995A10A1C27CB7789B594BA7EFB5C4326A9FE59A070E136DB77175464ADCA4"
                "17BE5DCE2F40D10A46A3A3943F26AB7FD9C0398FF8C76EE0A56826A8A88F1DBD", 16)
RFC6979_X = int("411602CB19A6CCC34494D79D98EF1E7ED5AF25F7", 16)
RFC6979_Y = int("5DF5E01DED31D0297E274E1691C192FE5868FEF9E19A84776454B100CF16F653"
                "92195A38B90523E2542EE61871C0440CB87C322FC4B4D2EC5E1E7EC766E1BE8D"
                "4CE935437DC11C3C8FD426338933EBFE739CB3465F4D3668C5E473508253B1E6"
                "82F65CBDC4FAE93C2EA212390E54905A86E2223170B44EAA7DA5DD9FFCFB7F3B", 16)


@pytest.mark.parametrize("message, k, r, s", [
    (b"sample", "7BDB6B0FF756E1BB5D53583EF979082F9AD5BD5B", "2E1A0C2562B2912CAAF89186FB0F42001585DA55",
     "29EFB6B0AFF2D7A68EB70CA313022253B9A88DF5"),
    (b"test", "5C842DF4F9E344EE09F056838B42C7A17F4A6433", "42AB2052FD43E123F0607F115052A67DCD9C5C77",
     "183916B0230D45B9931491D4C6B0BD2FB4AAF088"),
])
def test_dsa_rfc6979_known_answers(message: bytes, k: str, r: str, s: str) -> None:
    key = DSAPrivateKey(RFC6979_P, RFC6979_Q, RFC6979_G, RFC6979_Y, RFC6979_X)
    assert pow(RFC6979_G, RFC6979_X, RFC6979_P) == RFC6979_Y
    digest = hashlib.sha1(message).digest()
    assert key.sign_with_k(digest, int(k, 16)) == (int(r, 16), int(s, 16))
    public = key.public_key()
    assert public.verify(digest, int(r, 16), int(s, 16))
    assert not public.verify(digest, int(r, 16), int(s, 16) ^ 1)
    assert not public.verify(hashlib.sha1(message + b"!").digest(), int(r, 16), int(s, 16))
    assert not public.verify(digest, 0, int(s, 16))
    assert not public.verify(digest, int(r, 16), RFC6979_Q)


def test_dsa_keygen_is_fips_shaped_and_tolerably_fast() -> None:
    start = time.perf_counter()
    key = DSAPrivateKey.generate(os.urandom)
    elapsed = time.perf_counter() - start
    assert key.p.bit_length() == 1024 and key.q.bit_length() == 160
    assert (key.p - 1) % key.q == 0
    assert key.g > 1 and pow(key.g, key.q, key.p) == 1
    assert crypto.is_probable_prime(key.p, os.urandom) and crypto.is_probable_prime(key.q, os.urandom)
    assert pow(key.g, key.x, key.p) == key.y and 0 < key.x < key.q
    assert elapsed < 20, f"key generation took {elapsed:.1f} s"


def test_dsa_sign_verify_roundtrip_and_cross_check_with_pycryptodome() -> None:
    key = DSAPrivateKey(RFC6979_P, RFC6979_Q, RFC6979_G, RFC6979_Y, RFC6979_X)
    digest = hashlib.sha256(b"OTR signs 32-byte MACs, read as an integer mod q").digest()
    r, s = key.sign(digest, os.urandom)
    assert key.verify(digest, r, s)
    dsa = pytest.importorskip("Crypto.PublicKey.DSA")
    theirs = dsa.construct((RFC6979_Y, RFC6979_G, RFC6979_P, RFC6979_Q, RFC6979_X))
    m = int.from_bytes(digest, "big")
    assert theirs._verify(m, (r, s))  # pycryptodome's raw DSA verifies ours
    r2, s2 = theirs._sign(m, 12345678901234567890)
    assert DSAPublicKey(RFC6979_P, RFC6979_Q, RFC6979_G, RFC6979_Y).verify(digest, int(r2), int(s2))


def test_primality() -> None:
    assert crypto.is_probable_prime(2, os.urandom) and crypto.is_probable_prime(1999, os.urandom)
    assert crypto.is_probable_prime(2 ** 127 - 1, os.urandom)
    for composite in (0, 1, 561, 41041, 2 ** 128 + 1, (2 ** 61 - 1) * (2 ** 89 - 1)):
        assert not crypto.is_probable_prime(composite, os.urandom)


def test_rfc3526_group_is_a_safe_prime_of_1536_bits() -> None:
    p = crypto.DH_MODULUS
    assert p.bit_length() == 1536
    assert crypto.is_probable_prime(p, os.urandom, rounds=4)
    assert crypto.is_probable_prime((p - 1) // 2, os.urandom, rounds=4)
    a, b = crypto.dh_generate_private(os.urandom), crypto.dh_generate_private(os.urandom)
    assert a.bit_length() <= 320
    assert crypto.dh_shared(a, crypto.dh_public(b)) == crypto.dh_shared(b, crypto.dh_public(a))
    assert not crypto.dh_public_is_valid(1) and not crypto.dh_public_is_valid(p - 1)
    assert crypto.dh_public_is_valid(2) and crypto.dh_public_is_valid(p - 2)


def test_random_range_uses_only_the_injected_source_and_stays_in_bounds() -> None:
    calls: list[int] = []

    def source(n: int) -> bytes:
        calls.append(n)
        return os.urandom(n)

    values = {crypto.random_range(source, 10, 13) for _ in range(200)}
    assert values == {10, 11, 12}
    assert calls


def test_no_otr_module_imports_the_random_module() -> None:
    for path in sorted(OTR_DIR.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                assert all(a.name.split(".")[0] != "random" for a in node.names), path.name
            if isinstance(node, ast.ImportFrom) and node.level == 0:
                assert (node.module or "").split(".")[0] != "random", path.name
