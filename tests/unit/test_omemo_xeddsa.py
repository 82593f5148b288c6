"""Pure-Python XEdDSA (converse_py/plugins/omemo/xeddsa.py) against libxeddsa (the ``xeddsa``
package python-omemo uses): the same signatures, each verifying the other's, and the key conversions."""

from __future__ import annotations

import base64
import os

import pytest
import xeddsa as libxeddsa
from hypothesis import given, settings
from hypothesis import strategies as st

from converse_py.plugins.omemo import curve, xeddsa
from converse_py.plugins.omemo.errors import WireFormatError

private_keys = st.binary(min_size=32, max_size=32).map(xeddsa.clamp)


@settings(max_examples=25, deadline=None)
@given(private_keys, st.binary(max_size=100), st.binary(min_size=64, max_size=64))
def test_a_signature_is_byte_for_byte_libxeddsas_for_the_same_key_message_and_nonce(private: bytes, message: bytes, nonce: bytes) -> None:
    theirs = libxeddsa.ed25519_priv_sign(libxeddsa.priv_force_sign(private, False), message, nonce)
    assert xeddsa.sign(private, message, nonce) == theirs


@settings(max_examples=25, deadline=None)
@given(private_keys, st.binary(max_size=100))
def test_signatures_verify_both_ways_between_libxeddsa_and_ours(private: bytes, message: bytes) -> None:
    public = libxeddsa.priv_to_curve25519_pub(private)
    theirs = libxeddsa.ed25519_priv_sign(libxeddsa.priv_force_sign(private, False), message)
    assert xeddsa.verify(public, message, theirs)
    ours = xeddsa.sign(private, message, os.urandom(64))
    assert libxeddsa.ed25519_verify(ours, libxeddsa.curve25519_pub_to_ed25519_pub(public, False), message)


@settings(max_examples=25, deadline=None)
@given(private_keys)
def test_the_key_conversions_match_libxeddsa(private: bytes) -> None:
    public = libxeddsa.priv_to_curve25519_pub(private)
    assert xeddsa.curve25519_public(private) == public
    assert xeddsa.ed25519_public(private) == libxeddsa.curve25519_pub_to_ed25519_pub(public, False)
    assert xeddsa.curve25519_to_ed25519(public) == libxeddsa.curve25519_pub_to_ed25519_pub(public, False)
    with_sign = libxeddsa.priv_to_ed25519_pub(private)
    assert xeddsa.ed25519_to_curve25519(with_sign) == libxeddsa.ed25519_pub_to_curve25519_pub(with_sign) == public


def test_an_ed25519_signature_from_a_seed_identity_verifies_as_omemo_2_needs() -> None:
    seed = os.urandom(32)
    signature = libxeddsa.ed25519_seed_sign(seed, b"spk")
    public = libxeddsa.seed_to_ed25519_pub(seed)
    assert xeddsa.verify_ed25519(public, b"spk", signature)
    assert not xeddsa.verify_ed25519(public, b"spl", signature)


def test_a_wrong_key_an_altered_message_or_an_altered_signature_fail() -> None:
    private, other = xeddsa.clamp(os.urandom(32)), xeddsa.clamp(os.urandom(32))
    signature = xeddsa.sign(private, b"\x05" + bytes(32), os.urandom(64))
    public = xeddsa.curve25519_public(private)
    assert xeddsa.verify(public, b"\x05" + bytes(32), signature)
    assert not xeddsa.verify(xeddsa.curve25519_public(other), b"\x05" + bytes(32), signature)
    assert not xeddsa.verify(public, b"\x05" + bytes(31) + b"\x01", signature)
    for index in (0, 31, 32, 63):
        altered = bytearray(signature)
        altered[index] ^= 0x01
        assert not xeddsa.verify(public, b"\x05" + bytes(32), bytes(altered))


def test_malleable_or_malformed_signatures_and_keys_are_refused_without_raising() -> None:
    private = xeddsa.clamp(os.urandom(32))
    public = xeddsa.curve25519_public(private)
    signature = xeddsa.sign(private, b"m", os.urandom(64))
    s = int.from_bytes(signature[32:], "little")
    assert not xeddsa.verify(public, b"m", signature[:32] + (s + curve.Q).to_bytes(32, "little"))
    assert not xeddsa.verify(public, b"m", signature[:63])
    assert not xeddsa.verify(public[:31], b"m", signature)
    assert not xeddsa.verify(b"\xff" * 32, b"m", signature)
    assert not xeddsa.verify_ed25519((2).to_bytes(32, "little"), b"m", signature)  # y = 2 is no curve point


def test_keys_without_a_form_on_the_other_curve_raise_a_clear_error() -> None:
    with pytest.raises(WireFormatError, match="no Edwards form"):
        xeddsa.curve25519_to_ed25519((curve.P - 1).to_bytes(32, "little"))
    with pytest.raises(WireFormatError, match="no Curve25519 form"):
        xeddsa.ed25519_to_curve25519((1).to_bytes(32, "little"))
    with pytest.raises(WireFormatError, match="32 bytes"):
        xeddsa.ed25519_to_curve25519(b"short")


def test_a_signed_pre_key_signature_from_a_conversations_bundle_verifies_as_libsignal_checks_it() -> None:
    # From a bundle Conversations published (its debug log, pastebin.com/tVGWw0Y4): the signature's top
    # bit carries the sign of the identity key's Edwards form, as libsignal's curve25519_sign writes it.
    signed_pre_key = base64.b64decode("Bfu6Waf34N4aYrhsb5Xn80fT/SAbU7RN32RHAZZGYqAE")
    signature = base64.b64decode("InqlxuYru3Aczxi7+rt0pAEyMrdgvAP4yYOQl5q0hHfTAg51E/E7TgYRqoOh/2he173qQpiBCifswNUVghW9gA==")
    identity = base64.b64decode("BRkxS1ukmc8NuL+uWkObyoDeP9BqlEdVzk1+L/zKF9cu")[1:]
    assert signature[63] >> 7 == 1
    assert xeddsa.verify_libsignal(identity, signed_pre_key, signature)
    assert not xeddsa.verify(identity, signed_pre_key, signature)  # strict XEdDSA refuses the flagged form
    assert not xeddsa.verify_libsignal(identity, signed_pre_key[:-1] + b"\x00", signature)
    assert not xeddsa.verify_libsignal(identity, signed_pre_key, signature[:63] + bytes([signature[63] & 0x7F]))


@settings(max_examples=10, deadline=None)
@given(private_keys, st.binary(max_size=40))
def test_libsignal_style_checking_accepts_xeddsa_signatures_and_signatures_by_either_edwards_sign(private: bytes, message: bytes) -> None:
    public = libxeddsa.priv_to_curve25519_pub(private)
    assert xeddsa.verify_libsignal(public, message, xeddsa.sign(private, message, os.urandom(64)))
    edwards = libxeddsa.priv_to_ed25519_pub(private)  # the unforced key: its sign may be 1
    flagged = bytearray(libxeddsa.ed25519_priv_sign(private, message))
    flagged[63] |= edwards[31] & 0x80
    assert xeddsa.verify_libsignal(public, message, bytes(flagged))
