"""A corpus of XSS payloads for the browser tests: classic vectors, each in several contexts
(element, attribute breaking, encoded, unicode-disguised, broken markup). Every payload, if it ran,
would call ``alert``, touch ``window.__xss`` or navigate; none may.

>>> len(payloads()) >= 200, len(set(payloads())) == len(payloads())
(True, True)
"""

from __future__ import annotations

VECTORS = [
    "<script>window.__xss=1</script>",
    "<script src=data:text/javascript,window.__xss=1></script>",
    "<img src=x onerror=window.__xss=1>",
    "<img src=x onerror=alert(1)>",
    "<svg onload=alert(1)>",
    "<svg><script>alert(1)</script></svg>",
    "<body onload=alert(1)>",
    "<iframe src=javascript:alert(1)>",
    "<iframe srcdoc='<script>parent.__xss=1</script>'>",
    "<a href=javascript:alert(1)>click</a>",
    "<a href='data:text/html,<script>alert(1)</script>'>x</a>",
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
    "<details open ontoggle=alert(1)>",
    "<input autofocus onfocus=alert(1)>",
    "<video><source onerror=alert(1)>",
    "<audio src=x onerror=alert(1)>",
    "<object data=javascript:alert(1)>",
    "<embed src=javascript:alert(1)>",
    "<marquee onstart=alert(1)>",
    "<div style=\"background:url(javascript:alert(1))\">",
    "<link rel=import href=data:text/html,<script>alert(1)</script>>",
    "<meta http-equiv=refresh content='0;url=javascript:alert(1)'>",
    "<form action=javascript:alert(1)><button>x</button></form>",
    "<base href=javascript:alert(1)//>",
    "<template><img src=x onerror=alert(1)></template>",
    "<noscript><p title=\"</noscript><img src=x onerror=alert(1)>\">",
    "<style>@import 'javascript:alert(1)';</style>",
    "javascript:alert(1)",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
    "{{constructor.constructor('alert(1)')()}}",
    "${alert(1)}",
    "<!--<img src=--><img src=x onerror=alert(1)//>",
    "<scr<script>ipt>alert(1)</scr</script>ipt>",
    "<IMG SRC=JaVaScRiPt:alert(1)>",
    "<img src=`x` onerror=`alert(1)`>",
    "<img/src=x/onerror=alert(1)>",
    "<svg/onload=alert`1`>",
    "<img src=x:alert(1) onerror=eval(src)>",
    "<a href=\"jav&#x09;ascript:alert(1)\">tab</a>",
    "<x contenteditable onblur=alert(1)>lose focus</x>",
]

CONTEXTS = [
    "{v}",
    "hello {v} world",
    "\"><{v}",
    "'><{v}",
    "</textarea>{v}",
    "</title>{v}",
    "{v_entities}",
    "{v_fullwidth}",
    "\u202e{v}",
    "{v}\u200b<b>bold?</b>",
]


def _entities(text: str) -> str:
    return "".join(f"&#{ord(ch)};" if ch in "<>\"'" else ch for ch in text)


def _fullwidth(text: str) -> str:
    return text.replace("<", "\uff1c").replace(">", "\uff1e")


def payloads() -> list[str]:
    """Every vector in every context (duplicates removed, order kept)."""
    out: list[str] = []
    for vector in VECTORS:
        for context in CONTEXTS:
            out.append(context.format(v=vector, v_entities=_entities(vector), v_fullwidth=_fullwidth(vector)))
    return list(dict.fromkeys(out))
