"""Quoted mail in the composer (in_page=True): part of Odoo's own page, so it must neither
cover the page nor take the names of its parts; a newsletter's look stays (issue #12)."""

import html

import pytest
from lxml import html as lxml_html

from odoo.addons.dynaoffice_mail.services.html import sanitize_html

PNG = "data:image/png;base64,iVBORw0KGgo="


def quoted(source):
    return sanitize_html(source, cid_url=lambda _cid: None, allow_remote=False, in_page=True)


def in_frame(source):
    return sanitize_html(source, cid_url=lambda _cid: None, allow_remote=False)


def tree(result):
    return lxml_html.fragment_fromstring(result.html, create_parent="section")


def style_of(result, tag="p"):
    """{property: value} of the first `tag`'s style, as the browser reads the declarations."""
    element = tree(result).find(f".//{tag}")
    declarations = (element.get("style") or "").split(";")
    return {
        name.strip().lower(): value.strip()
        for name, _colon, value in (declaration.partition(":") for declaration in declarations)
        if name.strip()
    }


# -- styles that take an element out of its place ------------------------------------------------


@pytest.mark.parametrize(
    "declaration",
    [
        "position: fixed",
        "position: absolute",
        "position: relative",
        "position: sticky",
        "POSITION: FIXED",
        "position : fixed !important",
        r"posit\69 on: fixed",  # a CSS escape, read as "position" by the browser
        "position-anchor: --x",
        "z-index: 99999",
        "inset: 0",
        "inset-inline-start: 0",
        "inset-block: 0",
        "top: 0",
        "right: 0",
        "bottom: 0",
        "left: -200px",
        "transform: translate(-50vw, -50vh) scale(20)",
        "-webkit-transform: rotate(180deg)",
        "transform-origin: 0 0",
        "translate: -100vw 0",
        "rotate: 180deg",
        "scale: 40",
        "perspective: 10px",
        "offset-path: path('M 0 0 L -999 -999')",
        "offset-distance: 100%",
        "animation: o-spin 1s infinite",  # Odoo's own @keyframes
        "animation-name: fadeIn",
        "--inset: 0",
        "margin: -9999px",
        "margin-top: -9999px",
        "margin: 0 0 0 -40px",
        "margin-left: -.5em",
        "margin-inline-start: -1em",
        "margin-block: -3rem 0",
        "-webkit-margin-before: -1em",
        "margin: calc(0px - 500px)",
        "margin-top: var(--pull)",
        "margin: min(-10px, 0px)",
    ],
)
def test_styles_that_move_an_element_out_of_its_place_are_dropped(declaration):
    result = quoted(f'<p style="color: red; {declaration}; font-size: 14px">Angebot</p>')
    assert style_of(result) == {"color": "red", "font-size": "14px"}
    assert tree(result).find(".//p").text == "Angebot"


@pytest.mark.parametrize(
    "style",
    [
        # Our reading of the declarations and the browser's must not differ: whatever is
        # hidden in a string or after an unclosed bracket takes the whole style along.
        "font-family: 'Arial;position:fixed'; color: red",
        'font-family: "Arial\nposition:fixed;z-index:9"; color: red',
        "color: red (; position: fixed; inset: 0",
        "color: red [; margin-top: -9999px",
        "background: url(x;position:fixed); color: red",
        "posi/**/tion: fixed; z-index: 9",
    ],
)
def test_smuggled_positioning_takes_the_style_along(style):
    result = quoted(f'<p style="{html.escape(style)}">x</p>')
    css = (tree(result).find(".//p").get("style") or "").lower()
    assert "position" not in css and "z-index" not in css and "inset" not in css
    assert "-9999" not in css


def test_the_full_screen_overlay_of_the_ui_test_is_left_in_its_place():
    result = quoted(
        '<div id="o_main_navbar" class="position-fixed top-0 start-0 vw-100 vh-100 z-3" '
        'style="position:fixed;inset:0;z-index:99999;background:rgba(190,0,0,.95);'
        'color:#fff;font-size:32px;padding:2em;transform:scale(3)">Gewonnen!</div>'
    )
    (overlay,) = [element for element in tree(result).iter("div") if element.text == "Gewonnen!"]
    assert dict(overlay.attrib) == {
        "style": "background:rgba(190,0,0,.95); color:#fff; font-size:32px; padding:2em"
    }
    assert overlay.text == "Gewonnen!"


# -- attributes the page would take for its own ---------------------------------------------------


@pytest.mark.parametrize(
    "source",
    [
        f'<img name="querySelector" src="{PNG}" alt="Logo">',  # document.querySelector
        f'<img name="cookie" id="cookie" src="{PNG}" alt="Logo">',  # document.cookie
        '<form name="forms" id="body"><p>x</p></form>',
        '<div id="o_dynaoffice_mail_composer_subject">x</div>',  # the subject's id
        '<a name="top" id="defaultView">x</a>',
        '<map name="links"><area shape="rect" coords="0,0,1,1" href="https://x.example/"></map>',
        '<table id="location"><tr><td id="opener">x</td></tr></table>',
        '<p class="o-contenteditable-false o_not_editable position-fixed">x</p>',
    ],
)
def test_ids_names_and_classes_are_dropped(source):
    root = tree(quoted(f"<body>{source}<p>after</p></body>"))
    for element in root.iter():
        assert not {"id", "name", "class"} & set(element.attrib), lxml_html.tostring(element)
    assert root.xpath("//p[text()='after']")


def test_form_attributes_stay_out():
    """The allow-list keeps them out everywhere; quoting relies on it."""
    root = tree(
        quoted(
            '<form id="f" action="https://x.example/"><label for="q">Suche</label>'
            '<input id="q" name="q" form="f"><button formaction="https://x.example/" '
            'form="f">Los</button><output for="q" form="f">1</output></form>'
        )
    )
    assert not root.xpath("//form|//input|//button")
    for element in root.iter():
        assert not {"for", "form", "formaction", "action", "id", "name"} & set(element.attrib)
    assert "Suche" in lxml_html.tostring(root, encoding="unicode")


def test_links_to_fragments_go_and_other_links_stay():
    links = {
        a.text: a.attrib
        for a in tree(
            quoted(
                '<a href="#top">nach oben</a><a href="#action=base.action_res_users">Benutzer</a>'
                '<a href="https://shop.example/angebot" id="x">Angebot</a>'
                '<a href="mailto:vertrieb@example.org">Mail</a>'
            )
        ).iter("a")
    }
    assert links["nach oben"] == {} and links["Benutzer"] == {}
    assert links["Angebot"]["href"] == "https://shop.example/angebot"
    assert links["Mail"]["href"] == "mailto:vertrieb@example.org"


def test_no_style_sheets():
    root = tree(quoted("<head><style>body{display:none}</style></head><body><p>x</p></body>"))
    assert root.find(".//style") is None


# -- what a newsletter keeps -------------------------------------------------------------------


NEWSLETTER_STYLES = [
    "color: #333333",
    "font-family: Arial, 'Helvetica Neue', sans-serif",
    "font-size: 15px",
    "font-weight: bold",
    "line-height: 1.5",
    "text-align: center",
    "text-transform: uppercase",
    "text-decoration: underline",
    "width: 600px",
    "max-width: 100%",
    "height: auto",
    "padding: 12px 24px",
    "padding-left: 8px",
    "margin: 0 auto",
    "margin: 10px 0",
    "margin-top: 1.5em",
    "margin-bottom: 0 !important",
    "margin: auto",
    "background-color: #f0f0f0",
    f'background: #fff url("{PNG}") no-repeat',
    "background-position: left top",
    "border: 1px solid #cccccc",
    "border-top: 2px dashed rgb(0, 0, 0)",
    "border-radius: 4px",
    "border-collapse: collapse",
    "box-shadow: inset 0 0 4px #999",
    "display: inline-block",
    "vertical-align: top",
    "float: left",
    "white-space: nowrap",
    "opacity: 0.8",
    "clip-path: inset(0 0 4px 0)",  # clips the element itself: it cannot reach further
    "mso-line-height-rule: exactly",
    "-webkit-text-size-adjust: 100%",
]


@pytest.mark.parametrize("declaration", NEWSLETTER_STYLES)
def test_newsletter_styles_stay(declaration):
    result = quoted(f'<p style="{html.escape(declaration)}">x</p>')
    assert tree(result).find(".//p").get("style") == declaration


def test_newsletter_layout_survives_quoting():
    result = quoted(
        "<html><head><style>.box { border: 1px solid #ccc }</style></head>"
        '<body bgcolor="#f0f0f0" style="margin: 0; padding: 0">'
        '<table width="600" align="center" cellpadding="8" class="box" style="margin: 0 auto">'
        '<tr><td style="color: #333; background-color: #fff; border-bottom: 1px solid #ddd">'
        '<h1 style="font-family: Georgia, serif; font-size: 24px">Juni-Angebote</h1>'
        '<p>Alles <b>günstiger</b>, <a href="https://shop.example/">im Shop</a>.</p>'
        f'<img src="{PNG}" width="120" height="40" alt="Logo" style="display: block; border: 0">'
        "</td></tr></table></body></html>"
    )
    body = tree(result).find("div")
    assert (body.get("bgcolor"), body.get("style")) == ("#f0f0f0", "margin: 0; padding: 0")
    table = body.find(".//table")
    assert dict(table.attrib) == {
        "width": "600",
        "align": "center",
        "cellpadding": "8",
        "style": "margin: 0 auto",
    }
    assert body.find(".//td").get("style") == (
        "color: #333; background-color: #fff; border-bottom: 1px solid #ddd"
    )
    assert body.find(".//h1").get("style") == "font-family: Georgia, serif; font-size: 24px"
    assert body.find(".//a").get("href") == "https://shop.example/"
    image = body.find(".//img")
    assert (image.get("src"), image.get("style")) == (PNG, "display: block; border: 0")


def test_the_reading_pane_keeps_ids_names_classes_and_positions():
    """In its sandboxed frame a mail covers only itself, and its anchors and style sheets
    need its ids, names and classes."""
    source = (
        "<style>.box { color: red }</style>"
        '<a href="#unten">nach unten</a><p id="unten" class="box" style="position: relative; '
        'top: 2px; margin-top: -4px">x</p><a name="ende"></a>'
    )
    root = tree(in_frame(source))
    paragraph = root.find(".//p")
    assert (paragraph.get("id"), paragraph.get("class")) == ("unten", "box")
    assert paragraph.get("style") == "position: relative; top: 2px; margin-top: -4px"
    assert root.find(".//a").get("href") == "#unten"
    assert root.xpath("//a[@name='ende']")
    assert root.find(".//style") is not None
