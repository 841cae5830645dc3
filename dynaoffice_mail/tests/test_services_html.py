"""The HTML sanitiser on its own: what a hostile or a remote-loading mail keeps of itself."""

import re

import pytest
from lxml import html as lxml_html

from odoo.addons.dynaoffice_mail.services.html import sanitize_html

PARTS = {"logo@example.org": "1.2.2", "bg@example.org": "3"}


def cid_url(content_id):
    part = PARTS.get(content_id)
    return f"/dynaoffice_mail/part/7?uid=5&part={part}" if part else None


def sanitize(source, allow_remote=False):
    return sanitize_html(source, cid_url=cid_url, allow_remote=allow_remote)


def tree(result):
    """The sanitised HTML as a browser would parse it (lxml's HTML parser)."""
    return lxml_html.fragment_fromstring(result.html, create_parent="section")


def loaded_urls(result) -> list[str]:
    """Every URL the sanitised HTML would make a browser fetch or open."""
    root = tree(result)
    urls = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue
        for name, value in element.attrib.items():
            if name in ("src", "href", "background", "poster", "action", "data"):
                urls.append(value)
            elif name == "srcset":
                urls += [candidate.split()[0] for candidate in value.split(",")]
        css = (element.text or "") if element.tag == "style" else element.get("style", "")
        urls += re.findall(r"""url\(\s*["']?([^"')]*)""", css)
    return urls


# -- script ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "attack",
    [
        "<script>alert(1)</script>",
        '<img src="cid:logo@example.org" onerror="alert(1)">',
        '<body onload="alert(1)">',
        '<a href="javascript:alert(1)">x</a>',
        '<a href=" JaVaScRiPt:alert(1)">x</a>',
        '<a href="jav&#x09;ascript:alert(1)">x</a>',
        '<a href="&#106;avascript:alert(1)">x</a>',
        '<a href="vbscript:alert(1)">x</a>',
        '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
        '<img src="data:text/html,<script>alert(1)</script>">',
        "<svg><script>alert(1)</script></svg>",
        '<svg><animate attributeName="href" values="javascript:alert(1)"/></svg>',
        '<svg><set attributeName="onmouseover" to="alert(1)"/></svg>',
        '<svg><use href="data:image/svg+xml,<svg id=x onload=alert(1)>#x"/></svg>',
        '<svg><filter><feImage href="javascript:alert(1)"/></filter></svg>',
        "<svg><foreignObject><img src=x onerror=alert(1)></foreignObject></svg>",
        # Parsed differently by lxml and by browsers ("mutation XSS"):
        "<svg><style><img src=x onerror=alert(1)></style></svg>",
        (
            "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style></mglyph>"
            "</table></mtext></math>"
        ),
        '<noscript><p title="</noscript><img src=x onerror=alert(1)>"></p></noscript>',
        '<xmp><p title="</xmp><img src=x onerror=alert(1)>"></xmp>',
        "<textarea><img src=x onerror=alert(1)></textarea>",
        '<div style="width: expression(alert(1))">x</div>',
        '<div style="background: url(javascript:alert(1))">x</div>',
        '<div style="behavior: url(x.htc); -moz-binding: url(http://x/b.xml#x)">x</div>',
        "<style>div { background: url('javascript:alert(1)') }</style>",
        r'<div style="width: \65 xpression(alert(1))">x</div>',
        '<iframe src="javascript:alert(1)"></iframe>',
        '<iframe srcdoc="&lt;script&gt;alert(1)&lt;/script&gt;"></iframe>',
        '<object data="javascript:alert(1)"></object><embed src="javascript:alert(1)">',
        '<applet code="x.class">alert(1)</applet>',
        '<form action="javascript:alert(1)"><button formaction="javascript:(1)">x</button></form>',
        '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
        '<base href="javascript:alert(1)//">',
        '<link rel="import" href="http://evil.example/alert(1).html">',
        "<!--[if gte mso 9]><script>alert(1)</script><![endif]-->",
    ],
)
def test_nothing_that_runs_survives(attack):
    result = sanitize(f"<p>before</p>{attack}<p>after</p>")
    # CSS that would run is disabled as "blocked(...)", an invalid value browsers skip.
    assert "alert" not in re.sub(r"blocked\([^)]*\)+", "", result.html)
    root = tree(result)
    assert not root.xpath(
        "//script|//svg|//math|//iframe|//object|//embed|//applet|//form|//meta|//base|//link"
    )
    assert not [name for element in root.iter() for name in element.attrib if name.startswith("on")]
    assert [p.text for p in root.iter("p") if p.text in ("before", "after")] == ["before", "after"]


def test_style_blocks_cannot_close_themselves():
    result = sanitize(
        r'<style>p::before { content: "\3c /style\3e \3c img src=x onerror=alert(1)\3e " }</style>'
        "<p>text</p>"
    )
    root = tree(result)
    assert len(root.findall(".//style")) == 1
    assert root.find(".//img") is None
    assert [p.text for p in root.iter("p")] == ["text"]


def test_css_that_loads_or_runs_is_disabled_and_the_rest_kept():
    result = sanitize(
        "<style>"
        "@import url('https://fonts.example/css?family=Roboto');"
        ".hero { color: #c00; width: expression(alert(1)); }"
        ".evil { background: javascript:alert(1); behavior: url(x.htc); -moz-binding: x }"
        "@font-face { font-family: X; src: url(https://fonts.example/x.woff2) format('woff2'); }"
        "@media (max-width: 600px) { .col { display: block !important; } }"
        "</style><p class='hero'>Angebot</p>",
        allow_remote=True,
    )
    css = tree(result).find(".//style").text
    assert "@import" not in css and "expression" not in css
    assert "fonts.example" not in css
    assert ".hero { color: #c00;" in css
    assert "@media (max-width: 600px) { .col { display: block !important; } }" in css
    # What is disabled takes nothing after it along: brackets still match.
    assert css.count("(") == css.count(")") and css.count("{") == css.count("}")
    assert "javascript" not in css and "behavior" not in css and "binding" not in css


# -- what loads ------------------------------------------------------------------------------


REMOTE = """
<body background="http://track.example/bg.png">
<img src="http://track.example/pixel.gif" alt="Pixel">
<img src="//track.example/protocol-relative.png" alt="Relativ">
<img srcset="https://track.example/a.png 1x, https://track.example/b.png 2x" alt="Set">
<picture><source srcset="https://track.example/c.webp"><img src="https://track.example/c.png"></picture>
<table><tr><td style="background-image: url('https://track.example/td.png')">Zelle</td></tr></table>
<style>.x { background: url(https://track.example/css.png) }</style>
<video poster="https://track.example/poster.png" src="https://track.example/v.mp4"></video>
<link rel="stylesheet" href="https://track.example/style.css">
</body>
"""


def test_remote_images_are_detected_and_blocked_by_default():
    result = sanitize(REMOTE)
    assert result.has_remote_content
    assert "track.example" not in result.html
    # What the user reads stays: the alt texts and the table.
    alts = [img.get("alt") for img in tree(result).iter("img")]
    assert {"Pixel", "Relativ", "Set"} <= set(alts)
    assert "Zelle" in result.html


def test_allowed_remote_content_is_images_only():
    result = sanitize(REMOTE, allow_remote=True)
    assert result.has_remote_content
    urls = loaded_urls(result)
    assert {
        "http://track.example/bg.png",
        "http://track.example/pixel.gif",
        "https://track.example/protocol-relative.png",
        "https://track.example/a.png",
        "https://track.example/b.png",
        "https://track.example/c.webp",
        "https://track.example/c.png",
        "https://track.example/td.png",
        "https://track.example/css.png",
    } == set(urls)
    # Video, poster and style sheet are never loaded, allowed or not.
    assert "poster" not in result.html and "style.css" not in result.html
    assert all(img.get("referrerpolicy") == "no-referrer" for img in tree(result).iter("img"))


def test_css_escapes_do_not_hide_remote_urls():
    source = (
        r'<div style="background: \75 rl(https://track.example/escaped.png)">a</div>'
        r'<div style="background: \5c 75 rl(https://track.example/double.png)">b</div>'
    )
    blocked = sanitize(source)
    assert blocked.has_remote_content
    assert loaded_urls(blocked) == []
    allowed = sanitize(source, allow_remote=True)
    assert loaded_urls(allowed) == ["https://track.example/escaped.png"]


def test_mail_without_remote_content_says_so():
    result = sanitize('<p>Hallo <img src="cid:logo@example.org"></p>')
    assert not result.has_remote_content


def test_cid_references_point_to_the_message_parts():
    result = sanitize(
        '<table background="cid:bg@example.org"><tr><td>'
        '<img src="cid:logo@example.org" alt="Logo">'
        '<img src="CID:logo%40example.org" alt="Escaped">'
        '<img src="cid:unknown@example.org" alt="Unknown">'
        '<div style="background-image: url(cid:bg@example.org)">x</div>'
        "</td></tr></table>"
    )
    root = tree(result)
    images = {img.get("alt"): img.get("src") for img in root.iter("img")}
    assert images == {
        "Logo": "/dynaoffice_mail/part/7?uid=5&part=1.2.2",
        "Escaped": "/dynaoffice_mail/part/7?uid=5&part=1.2.2",
        "Unknown": None,
    }
    assert root.find(".//table").get("background") == "/dynaoffice_mail/part/7?uid=5&part=3"
    assert loaded_urls(result).count("/dynaoffice_mail/part/7?uid=5&part=3") == 2
    assert "cid:" not in result.html.lower()


def test_urls_relative_to_our_server_are_dropped():
    result = sanitize(
        '<img src="/web/image/res.users/2/avatar_128" alt="a">'
        '<img src="images/logo.png" alt="b">'
        '<a href="/web/session/logout">abmelden</a>'
        '<div style="background: url(/web/content/1)">x</div>'
        '<a href="\\\\evil.example/x">backslashes</a>'
        '<a href="https:evil.example">no slashes</a>',
        allow_remote=True,
    )
    assert loaded_urls(result) == []
    assert "abmelden" in result.html


def test_data_images_are_kept_and_other_data_urls_not():
    png = "data:image/png;base64,iVBORw0KGgo="
    result = sanitize(
        f'<img src="{png}" alt="png">'
        '<img src="data:text/html;base64,PGI+eDwvYj4=" alt="html">'
        f'<a href="{png}">link</a>'
    )
    images = {img.get("alt"): img.get("src") for img in tree(result).iter("img")}
    assert images == {"png": png, "html": None}
    assert tree(result).find(".//a").get("href") is None


def test_svg_data_images_are_dropped():
    """An SVG is a document: the hostile corpus found data:image/svg+xml kept in <img>, and
    the composer shows quoted mail in Odoo's own page, outside the reading pane's sandbox."""
    svg = "data:image/svg+xml;base64,PHN2ZyBvbmxvYWQ9YWxlcnQoMSk+PC9zdmc+"
    result = sanitize(
        f'<img src="{svg}" alt="b64"><img src="data:image/svg+xml,%3Csvg%3E" alt="plain">'
        f'<img src="DATA:IMAGE/SVG+XML;base64,PHN2Zz4=" alt="upper">'
    )
    assert {img.get("alt"): img.get("src") for img in tree(result).iter("img")} == {
        "b64": None,
        "plain": None,
        "upper": None,
    }


# -- links -----------------------------------------------------------------------------------


def test_links_open_in_a_new_window_without_referrer():
    result = sanitize(
        '<a href="https://shop.example/angebot" target="_self">Angebot</a>'
        '<a href="mailto:vertrieb@example.org">Mail</a>'
        '<a href="tel:+4930123456">Anruf</a>'
        '<a href="#oben">nach oben</a>'
    )
    links = {a.text: a for a in tree(result).iter("a")}
    for text in ("Angebot", "Mail", "Anruf"):
        assert links[text].get("target") == "_blank"
        assert links[text].get("rel") == "noopener noreferrer"
    assert links["Angebot"].get("href") == "https://shop.example/angebot"
    # A place in the message itself scrolls there instead of opening a window.
    assert links["nach oben"].get("href") == "#oben"
    assert links["nach oben"].get("target") is None


# -- layout ----------------------------------------------------------------------------------


def test_newsletter_layout_survives():
    result = sanitize(
        "<!DOCTYPE html><html><head><title>Newsletter</title>"
        '<meta charset="utf-8"><style>.box { border: 1px solid #ccc; }</style></head>'
        '<body bgcolor="#f0f0f0" style="margin: 0">'
        '<table width="600" align="center" class="box"><tr><td style="color: #333">'
        "<h1>Juni-Angebote</h1><p>Alles <b>günstiger</b>.</p></td></tr></table>"
        "</body></html>"
    )
    root = tree(result)
    assert root.find("style").text == ".box { border: 1px solid #ccc; }"
    body = root.find("div")
    assert (body.get("bgcolor"), body.get("style")) == ("#f0f0f0", "margin: 0")
    table = body.find(".//table")
    assert (table.get("width"), table.get("align"), table.get("class")) == ("600", "center", "box")
    assert body.find(".//td").get("style") == "color: #333"
    assert body.find(".//h1").text == "Juni-Angebote"
    assert "Newsletter" not in result.html  # the <title> is not part of the text


@pytest.mark.parametrize("source", ["", "   ", "\x00", "<?xml version='1.0'?>"])
def test_empty_input_gives_empty_output(source):
    result = sanitize(source)
    assert result.html.strip() in ("", "<div></div>")
    assert not result.has_remote_content


def test_style_blocks_can_be_left_out_for_html_outside_a_frame():
    """Quoted in the composer (Odoo's own page), a mail's <style> would restyle Odoo."""
    source = (
        "<html><head><style>body{display:none}</style></head>"
        '<body><style>.o_main_navbar{display:none}</style><p style="color:red">x</p>tail'
        "</body></html>"
    )
    result = sanitize_html(source, cid_url=cid_url, allow_remote=False, style_blocks=False)
    assert tree(result).find(".//style") is None
    assert tree(result).find(".//p").get("style") == "color:red"
    assert "tail" in result.html
    assert tree(sanitize(source)).find(".//style") is not None  # kept for the reading pane
