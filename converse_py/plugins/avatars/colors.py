"""XEP-0392 Consistent Color Generation (version 1.0): a colour for any text, the same on every client.

The text's SHA-1 gives a hue angle (§5.1: its first two bytes as a little-endian number, over
65536, times 360); HSLuv at saturation 100 and lightness 50 turns the hue into RGB (§5.4). Pure
Python, no dependencies; ``tests/unit/test_avatars_colors.py`` checks the XEP's test vectors.

>>> round(hue_angle("Romeo"), 6), css_color("Romeo")
(327.255249, '#dd00af')
>>> [round(c, 3) for c in rgb("juliet@capulet.lit")]
[0.0, 0.515, 0.573]
"""

from __future__ import annotations

import hashlib
import math
from functools import lru_cache

# HSLuv's constants: the sRGB matrix (from CIE XYZ, D65), the white point's u'v', CIE L* limits.
_M = ((3.240969941904521, -1.537383177570093, -0.498610760293),
      (-0.96924363628087, 1.87596750150772, 0.041555057407175),
      (0.055630079696993, -0.20397695888897, 1.056971514242878))
_REF_U = 0.19783000664283
_REF_V = 0.46831999493879
_KAPPA = 903.2962962
_EPSILON = 0.0088564516


def hue_angle(text: str) -> float:
    """The XEP-0392 §5.1 hue angle (degrees, 0 ≤ angle < 360) of ``text`` (UTF-8)."""
    digest = hashlib.sha1(text.encode("utf-8")).digest()
    return (digest[0] | digest[1] << 8) / 65536 * 360


@lru_cache(maxsize=8)
def _bounds(lightness: float) -> tuple[tuple[float, float], ...]:
    """The six lines (slope, intercept) bounding the sRGB gamut at ``lightness`` in the LCh(uv) plane."""
    sub1 = (lightness + 16) ** 3 / 1560896
    sub2 = sub1 if sub1 > _EPSILON else lightness / _KAPPA
    lines = []
    for m1, m2, m3 in _M:
        for t in (0, 1):
            top1 = (284517 * m1 - 94839 * m3) * sub2
            top2 = (838422 * m3 + 769860 * m2 + 731718 * m1) * lightness * sub2 - 769860 * t * lightness
            bottom = (632260 * m3 - 126452 * m2) * sub2 + 126452 * t
            lines.append((top1 / bottom, top2 / bottom))
    return tuple(lines)


def _max_chroma(lightness: float, sin: float, cos: float) -> float:
    best = math.inf
    for slope, intercept in _bounds(lightness):
        length = intercept / (sin - slope * cos)
        if 0 <= length < best:
            best = length
    return best


def _from_linear(c: float) -> float:
    return 12.92 * c if c <= 0.0031308 else 1.055 * c ** (1 / 2.4) - 0.055


def hsluv_to_rgb(hue: float, saturation: float, lightness: float) -> tuple[float, float, float]:
    """HSLuv (hue in degrees, saturation and lightness 0-100) to sRGB (each 0-1).

    >>> hsluv_to_rgb(0, 0, 100), hsluv_to_rgb(0, 0, 0)
    ((1.0, 1.0, 1.0), (0.0, 0.0, 0.0))
    """
    if lightness > 99.9999999:
        return (1.0, 1.0, 1.0)
    if lightness < 1e-8:
        return (0.0, 0.0, 0.0)
    theta = math.radians(hue)
    sin, cos = math.sin(theta), math.cos(theta)
    chroma = _max_chroma(lightness, sin, cos) / 100 * saturation
    u, v = chroma * cos, chroma * sin
    var_u = u / (13 * lightness) + _REF_U
    var_v = v / (13 * lightness) + _REF_V
    y = lightness / _KAPPA if lightness <= 8 else ((lightness + 16) / 116) ** 3
    x = -(9 * y * var_u) / ((var_u - 4) * var_v - var_u * var_v)
    z = (9 * y - 15 * var_v * y - var_v * x) / (3 * var_v)
    r, g, b = (_from_linear(row[0] * x + row[1] * y + row[2] * z) for row in _M)
    return (min(max(r, 0.0), 1.0), min(max(g, 0.0), 1.0), min(max(b, 0.0), 1.0))


@lru_cache(maxsize=4096)
def rgb(text: str) -> tuple[float, float, float]:
    """The XEP-0392 colour of ``text`` (no colour-vision correction), each channel 0-1."""
    return hsluv_to_rgb(hue_angle(text), 100, 50)


@lru_cache(maxsize=8192)
def css_color(text: str) -> str:
    """``rgb(text)`` as a CSS hex colour."""
    r, g, b = rgb(text)
    return f"#{round(r * 255):02x}{round(g * 255):02x}{round(b * 255):02x}"


def initial(name: str) -> str:
    """What a default avatar shows: the first character of ``name`` (XEP-0392 §3.3), upper-cased.

    >>> initial("romeo@montague.lit"), initial(""), initial("😺 cat")
    ('R', '?', '😺')
    """
    stripped = name.strip()
    return stripped[0].upper() if stripped else "?"
