"""HTML mail made safe to show: no script, nothing that loads on its own unless allowed;
and HTML as plain text (html_to_text), for the text part of a message written in HTML.

The cleaning is lxml.html.clean's Cleaner (the one Odoo's html_sanitize is built on) with an
allow-list of tags and attributes, followed by our own pass over every URL and every piece
of CSS. URLs are allowed, not blocked: links may point to http(s), mailto and tel; images
may come from cid: parts (through `cid_url`), data: URLs of raster images (not SVG) and,
only when the user allows it, http(s). Anything else, relative URLs included (they would
resolve against our own server), is dropped.

SVG and MathML are removed whole, not cleaned: inside them browsers parse <style> and
comments as markup while lxml (an HTML parser) reads them as text, the classic way to
smuggle script past a sanitiser ("mutation XSS"). Mail clients do not show inline SVG
anyway. <style> blocks and style attributes are kept, as newsletters need them, with
@import, expression(), behaviors, bindings and every url() checked.

Quoted in the composer, a mail is part of Odoo's own page rather than a frame of its own
(`in_page=True`): there it must not restyle the page, cover it or take the names of its
parts. So it loses its style sheets, the styles that take an element out of its place in
the text (positioning, stacking, transforms, negative margins) and the attributes the page
would take for its own (ids and names, which become properties of `document` and `window`,
and classes, which pick Odoo's style sheets: Bootstrap's "position-fixed", the editor's
"o-contenteditable-false"). The reading pane's sandboxed frame keeps all of these: there
a mail covers only itself, and its anchors and style sheets need its ids and classes.
"""

import html as html_module
import re
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import unquote

from lxml import etree
from lxml import html as lxml_html
from lxml.html import clean, defs

__all__ = ["SanitizedHtml", "cid_of", "html_to_text", "replace_image_sources", "sanitize_html"]


@dataclass(frozen=True)
class SanitizedHtml:
    html: str  # <style> blocks, then the body as a <div>; the caller wraps it in a document
    has_remote_content: bool  # remote images, shown or not; what allow_remote=True loads


KILLED_TAGS = frozenset(
    {
        # what runs, or shows another document
        "script",
        "noscript",
        "template",
        "iframe",
        "frame",
        "frameset",
        "object",
        "applet",
        "param",
        "portal",
        # raw text to lxml, markup to a browser in some contexts (or the other way round)
        "title",
        "textarea",
        "xmp",
        "noembed",
        "noframes",
        "plaintext",
        # forms (the <form> tag itself is unwrapped: its text stays)
        "button",
        "input",
        "select",
        "option",
        "optgroup",
        "datalist",
        # foreign content, see the module's docstring
        "svg",
        "math",
        # media that loads by itself
        "audio",
        "video",
        # what changes the document around the mail
        "base",
        "meta",
        "link",
    }
)
# Void elements to browsers that lxml's parser takes for containers: removed, and what lxml
# put inside them (really the text that follows) kept.
UNWRAPPED_TAGS = frozenset({"embed", "track", "keygen", "bgsound", "command"})
ALLOWED_TAGS = (
    (defs.tags | {"picture", "bdi", "main", "font", "center", "nobr", "strike", "tt"})
    - KILLED_TAGS
    - UNWRAPPED_TAGS
    - {"form", "isindex", "basefont", "blink", "marquee"}
)
SAFE_ATTRS = frozenset(
    {
        "abbr",
        "align",
        "alt",
        "axis",
        "background",
        "bgcolor",
        "border",
        "cellpadding",
        "cellspacing",
        "char",
        "charoff",
        "class",
        "clear",
        "color",
        "cols",
        "colspan",
        "compact",
        "coords",
        "datetime",
        "dir",
        "face",
        "frame",
        "headers",
        "height",
        "href",
        "hreflang",
        "hspace",
        "id",
        "ismap",
        "label",
        "lang",
        "media",
        "name",
        "noshade",
        "nowrap",
        "reversed",
        "role",
        "rows",
        "rowspan",
        "rules",
        "scope",
        "shape",
        "size",
        "sizes",
        "span",
        "src",
        "srcset",
        "start",
        "style",
        "summary",
        "title",
        "type",
        "usemap",
        "valign",
        "value",
        "vspace",
        "width",
    }
)
_CLEANER = clean.Cleaner(
    scripts=True,
    # Not lxml's own JavaScript pass: it throws away a whole <style> block for one data:
    # URL in it, and strips only what it knows to be bad. Event handlers go with the
    # attribute allow-list, and every URL and all CSS go through our allow-list below.
    javascript=False,
    comments=True,  # conditional comments (<!--[if mso]>) hold unchecked HTML
    style=False,
    inline_style=False,
    links=True,
    meta=True,
    page_structure=False,  # <head> holds the <style> blocks we keep
    processing_instructions=True,
    embedded=True,
    frames=True,
    forms=True,
    annoying_tags=True,
    remove_unknown_tags=False,
    allow_tags=ALLOWED_TAGS,
    kill_tags=KILLED_TAGS,
    safe_attrs_only=True,
    safe_attrs=SAFE_ATTRS,
    add_nofollow=False,
)

# Properties whose url() is an image: the only remote URLs allow_remote lets through.
_IMAGE_PROPERTIES = frozenset(
    {
        "background",
        "background-image",
        "list-style",
        "list-style-image",
        "border-image",
        "border-image-source",
        "content",
    }
)
# Raster images only: an SVG is a document, harmless inside <img> but not once the user
# opens the image on its own, and the composer shows quoted mail outside any sandbox.
_DATA_RASTER_IMAGE = re.compile(
    r"data:image/(?:png|gif|jpe?g|pjpeg|webp|bmp|avif)[;,]", re.IGNORECASE
)
_C0_AND_SPACE = "".join(chr(code) for code in range(0x21))
_CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_XML_DECLARATION = re.compile(r"^\s*<\?xml[^>]*>", re.IGNORECASE)
_CSS_COMMENT = re.compile(r"/\*.*?(?:\*/|\Z)", re.DOTALL)
_CSS_ESCAPE = re.compile(
    r"\\(?:([0-9a-fA-F]{1,6})(?:\r\n|[ \t\r\n\f])?|(\r\n|[\r\n\f])|(.))", re.DOTALL
)
_CSS_URL = re.compile(
    r"""url\(\s*(?:"([^"\\\r\n]*)"|'([^'\\\r\n]*)'|([^\s"'()\\]*))\s*\)""", re.IGNORECASE
)
_CSS_IMPORT = re.compile(r"@import\b[^;{}]*(?:;|$)", re.IGNORECASE)
# What is left after the url()s are checked and still loads or runs something: a url( we
# could not read, functions that take a plain string as a URL, old IE and Mozilla script.
_CSS_DANGER = re.compile(
    r"url\s*\(|(?:-webkit-)?image-set\s*\(|cross-fade\s*\(|element\s*\(|(?<![\w-])image\s*\("
    r"|(?<![\w-])src\s*\(|expression\s*\(|javascript\s*:|vbscript\s*:|livescript\s*:"
    r"|behaviou?r\s*:|-moz-binding|@import",
    re.IGNORECASE,
)
_CSS_PLACEHOLDER = re.compile(r"\x00(\d+)\x00")

# In Odoo's page (in_page=True), see the module's docstring.
IN_PAGE_DROPPED_ATTRS = frozenset({"id", "name", "class"})
# Properties that move an element out of its place or above others: positioning (and the
# offsets that only mean something with it), stacking, transforms and motion paths,
# animations (without the mail's style sheets they could only run Odoo's own @keyframes)
# and custom properties. Vendor prefixes are ignored; margins are checked by value.
_IN_PAGE_BLOCKED_NAMES = (
    r"position(?:-[\w-]+)?|z-index|top|right|bottom|left|inset(?:-[\w-]+)?"
    r"|transform(?:-[\w-]+)?|translate|rotate|scale|perspective(?:-origin)?"
    r"|offset(?:-[\w-]+)?|animation(?:-[\w-]+)?|--[\w-]*"
)
_IN_PAGE_BLOCKED_PROPERTY = re.compile(_IN_PAGE_BLOCKED_NAMES)
_VENDOR_PREFIX = re.compile(r"\A-(?:webkit|moz|ms|o|khtml|apple|epub)-(?=[a-z])")
_CSS_PROPERTY_NAME = re.compile(r"-?[a-z_][\w-]*|--[\w-]*")
_MARGIN_PROPERTY = re.compile(r"margin(?:-[\w-]+)?")
# Margins that only push: lengths and percentages without a sign, keywords. A calc(),
# var() or anything with a minus could pull the element over what is around it.
_MARGIN_TOKEN = r"(?:(?:\d+(?:\.\d*)?|\.\d+)[a-z%]*|auto|inherit|initial|unset|revert)"
_NON_NEGATIVE_MARGIN = re.compile(
    rf"\s*{_MARGIN_TOKEN}(?:\s+{_MARGIN_TOKEN})*\s*(?:!\s*important\s*)?", re.IGNORECASE
)
# A last look at the style we keep, in case our reading of it and the browser's differ (an
# unclosed bracket or string): any of these left in it, and the whole style goes.
_IN_PAGE_DANGER = re.compile(
    rf"(?<![\w-])(?:-[a-z]+-)?(?:(?:{_IN_PAGE_BLOCKED_NAMES})\s*:|margin[\w-]*\s*:[^;]*-)",
    re.IGNORECASE,
)
_SRCSET_DESCRIPTOR = re.compile(r"\d+(?:\.\d+)?[wx]")


def sanitize_html(
    html: str,
    *,
    cid_url: Callable[[str], str | None],
    allow_remote: bool,
    style_blocks: bool = True,
    in_page: bool = False,
) -> SanitizedHtml:
    """`html` without script and, unless `allow_remote`, without anything remote.

    `cid_url(content_id)` gives the URL that serves the part a cid: link names (the
    content-id without angle brackets, percent escapes decoded), or None to drop the link.
    Remote images count in `has_remote_content` whether they are kept or not; remote
    fonts, style sheets and media are dropped either way. Links open in a new window
    without telling the target where they came from. `style_blocks=False` drops <style>
    elements (style attributes stay): for HTML shown outside a frame of its own, whose
    style sheet would restyle the whole page. `in_page=True` is for HTML put into Odoo's
    page, such as quoted mail in the composer: no <style> elements either, and neither
    styles that position, stack, transform or pull an element (negative margins) nor ids,
    names, classes and links to fragments, which the page would take for its own.
    """
    source = _XML_DECLARATION.sub("", _CONTROL_CHARS.sub("", html or ""))
    if not source.strip():
        return SanitizedHtml(html="", has_remote_content=False)
    try:
        document = lxml_html.document_fromstring(source)
    except (etree.LxmlError, ValueError):
        return SanitizedHtml(html="", has_remote_content=False)
    _CLEANER(document)
    urls = _UrlPolicy(cid_url, allow_remote)
    for element in list(document.iter(etree.Element)):
        _clean_element(element, urls)
        if in_page:
            _keep_in_place(element)
    if in_page or not style_blocks:
        for style in list(document.iter("style")):
            style.drop_tree()
    return SanitizedHtml(
        html=_fragment(document, unwrap=in_page), has_remote_content=urls.found_remote
    )


def replace_image_sources(html: str, replace: Callable[[str], str | None]) -> str:
    """`html`, a fragment, with the src of each <img> replaced by `replace(src)` where that
    gives one (None: left as it is). The composer shows the pictures a cid: link names from
    a URL of its own and puts the cid: link back for the mail: `html` is what the editor
    holds, already sanitised; this changes nothing else."""
    if not html or "<img" not in html.lower():
        return html
    try:
        document = lxml_html.document_fromstring(html)
    except (etree.LxmlError, ValueError):
        return html
    changed = False
    for image in document.iter("img"):
        new_src = replace(image.get("src") or "")
        if new_src is not None:
            image.set("src", new_src)
            changed = True
    return _fragment(document, unwrap=True) if changed else html


def cid_of(url: str) -> str | None:
    """The Content-ID a cid: URL names (as sanitize_html reads it), else None."""
    kind, value = _classify(url)
    return value if kind == "cid" else None


class _UrlPolicy:
    """Which URLs survive, and whether a remote image was seen."""

    def __init__(self, cid_url: Callable[[str], str | None], allow_remote: bool):
        self._cid_url = cid_url
        self._allow_remote = allow_remote
        self.found_remote = False

    def link(self, url: str) -> str | None:
        kind, value = _classify(url)
        if kind in ("remote", "mailto", "tel", "fragment"):
            return value
        if kind == "cid":
            return self._cid(value)
        return None

    def image(self, url: str) -> str | None:
        kind, value = _classify(url)
        if kind == "cid":
            return self._cid(value)
        if kind == "remote":
            self.found_remote = True
            return value if self._allow_remote else None
        if kind == "data" and _DATA_RASTER_IMAGE.match(value):
            return value
        return None

    def srcset(self, srcset: str) -> str | None:
        if "data:" in srcset.lower():
            return None  # data URLs hold commas; a srcset of them is not worth the parsing
        kept = []
        for candidate in srcset.split(","):
            url, _space, descriptor = candidate.strip().partition(" ")
            descriptor = descriptor.strip()
            if not url or (descriptor and not _SRCSET_DESCRIPTOR.fullmatch(descriptor)):
                continue
            new_url = self.image(url)
            if new_url and not any(char in new_url for char in ", \t\n"):
                kept.append(f"{new_url} {descriptor}".strip())
        return ", ".join(kept) or None

    def css(self, text: str) -> str:
        """CSS with every url() checked and whatever else could run or load disabled."""
        text = _CSS_COMMENT.sub(" ", text)
        # Escapes are resolved, so that what is checked is what the browser reads; an escaped
        # backslash is dropped, or "\\5c 75rl(" would come out as "\\75rl(", i.e. "url(".
        text = _CSS_ESCAPE.sub(_css_unescape, text).replace("\\", "")
        text = _CONTROL_CHARS.sub("", text.replace("\x00", ""))
        text = text.replace("<!--", " ").replace("-->", " ")
        text = _CSS_IMPORT.sub("", text)
        kept = []

        def check_url(match: re.Match) -> str:
            url = next((group for group in match.groups() if group is not None), "")
            if _css_property_at(match.string, match.start()) in _IMAGE_PROPERTIES:
                new_url = self.image(url)
            else:
                # Fonts, cursors and the like: only our own cid: URLs, never remote.
                kind, value = _classify(url)
                new_url = self._cid(value) if kind == "cid" else None
            if new_url is None:
                return "none"
            kept.append(_css_url(new_url))
            return f"\x00{len(kept) - 1}\x00"

        text = _CSS_URL.sub(check_url, text)
        text = _CSS_DANGER.sub(_css_blocked, text)
        text = _CSS_PLACEHOLDER.sub(lambda match: kept[int(match.group(1))], text)
        # "</style" inside a style block would end it early; "<" has no other use in CSS.
        return text.replace("<", "\\3c ")

    def _cid(self, content_id: str) -> str | None:
        if not content_id:
            return None
        url = self._cid_url(content_id)
        return url or None


def _classify(url: str) -> tuple[str, str]:
    """(kind, normalised URL) as a browser would read the URL's scheme."""
    # Browsers drop tabs and line breaks anywhere in a URL and blanks around it.
    value = re.sub(r"[\t\n\r]", "", url).strip(_C0_AND_SPACE)
    if _CONTROL_CHARS.search(value):
        return "other", value
    lower = value.lower()
    if lower.startswith("cid:"):
        return "cid", unquote(value[4:]).strip().strip("<>")
    if lower.startswith(("http://", "https://")):
        return "remote", value
    if lower.startswith("//"):
        return "remote", f"https:{value}"
    if lower.startswith("data:"):
        return "data", value
    if lower.startswith("mailto:"):
        return "mailto", value
    if lower.startswith("tel:"):
        return "tel", value
    if lower.startswith("#"):
        return "fragment", value
    return "other", value


def _clean_element(element, urls: _UrlPolicy):
    tag = element.tag
    if not isinstance(tag, str):
        return
    attributes = element.attrib
    for name in list(attributes):
        if name.startswith("on") or name not in SAFE_ATTRS:
            del attributes[name]
    if tag == "style":
        element.text = urls.css(element.text or "")
    if "style" in attributes:
        _set_or_drop(element, "style", urls.css(attributes["style"]).strip() or None)
    if "background" in attributes:
        _set_or_drop(element, "background", urls.image(attributes["background"]))
    if "usemap" in attributes and not attributes["usemap"].startswith("#"):
        del attributes["usemap"]
    if tag == "source":
        if element.getparent() is None or element.getparent().tag != "picture":
            element.drop_tag()  # void to browsers: what lxml put inside follows it
            return
        attributes.pop("src", None)
    if tag == "img":
        if "src" in attributes:
            _set_or_drop(element, "src", urls.image(attributes["src"]))
        # A remote image (when allowed) must not learn which message it is shown in.
        attributes["referrerpolicy"] = "no-referrer"
    else:
        attributes.pop("src", None)
    if "srcset" in attributes:
        allowed = tag in ("img", "source")
        _set_or_drop(element, "srcset", urls.srcset(attributes["srcset"]) if allowed else None)
    if "href" in attributes:
        if tag not in ("a", "area"):
            del attributes["href"]
        else:
            _set_or_drop(element, "href", urls.link(attributes["href"]))
            if attributes.get("href", "#").startswith("#"):
                return  # no target, or a place in this message: stays in the frame
            attributes["target"] = "_blank"
            attributes["rel"] = "noopener noreferrer"


def _keep_in_place(element):
    """What `_clean_element` left of an element, made fit for Odoo's page (in_page=True)."""
    if not isinstance(element.tag, str):
        return
    attributes = element.attrib
    for name in IN_PAGE_DROPPED_ATTRS & set(attributes):
        del attributes[name]
    if "style" in attributes:
        _set_or_drop(element, "style", _in_page_style(attributes["style"]) or None)
    if attributes.get("href", "").startswith("#"):
        # Its target lost its id, and in Odoo's page a fragment is Odoo's, not the mail's.
        del attributes["href"]


def _in_page_style(css: str) -> str:
    """A style attribute's declarations without those that would take the element out of
    its place in Odoo's page (see _IN_PAGE_BLOCKED_NAMES and _NON_NEGATIVE_MARGIN)."""
    kept = []
    for declaration in _declarations(css):
        name, colon, value = declaration.partition(":")
        name = name.strip().lower()
        if not colon or not _CSS_PROPERTY_NAME.fullmatch(name):
            continue  # not a declaration: the browser skips it as well
        unprefixed = _VENDOR_PREFIX.sub("", name)
        if _IN_PAGE_BLOCKED_PROPERTY.fullmatch(unprefixed):
            continue
        if _MARGIN_PROPERTY.fullmatch(unprefixed) and not _NON_NEGATIVE_MARGIN.fullmatch(value):
            continue
        kept.append(declaration.strip())
    style = "; ".join(kept)
    return "" if _IN_PAGE_DANGER.search(style) else style


def _declarations(css: str) -> list[str]:
    """A declaration list split where a browser splits it: at semicolons outside brackets
    and strings (a line break ends a string, as in CSS)."""
    declarations, closers, quote = [], [], None
    start = index = 0
    while index < len(css):
        char = css[index]
        if char == "\\":
            index += 1  # the escaped character is not syntax
        elif quote:
            if char in (quote, "\n", "\r", "\f"):
                quote = None
        elif char in "\"'":
            quote = char
        elif char in "([{":
            closers.append(")]}"["([{".index(char)])
        elif closers and char == closers[-1]:
            closers.pop()
        elif char == ";" and not closers:
            declarations.append(css[start:index])
            start = index + 1
        index += 1
    declarations.append(css[start:])
    return declarations


def _set_or_drop(element, name: str, value: str | None):
    if value is None:
        element.attrib.pop(name, None)
    else:
        element.set(name, value)


def _css_unescape(match: re.Match) -> str:
    hex_digits, line_break, char = match.groups()
    if hex_digits:
        code = int(hex_digits, 16)
        return chr(code) if 0 < code <= 0x10FFFF and not 0xD800 <= code <= 0xDFFF else "\ufffd"
    if line_break:
        return ""
    return char


def _css_blocked(match: re.Match) -> str:
    """An invalid stand-in the browser skips, with the same brackets: an unmatched "(" would
    swallow the rest of the sheet, a bare word after "}" the next rule."""
    found = match.group()
    if found.endswith("("):
        return "blocked("
    return "@blocked" if found.startswith("@") else "blocked"


def _css_property_at(css: str, position: int) -> str:
    """The name of the declaration `position` is in ("" outside one)."""
    start = max(
        css.rfind(";", 0, position), css.rfind("{", 0, position), css.rfind("}", 0, position)
    )
    name, colon, _value = css[start + 1 : position].partition(":")
    return name.strip().lower() if colon else ""


def _css_url(url: str) -> str:
    escaped = re.sub(r"""["'\\()<>\s]""", lambda match: f"\\{ord(match.group()):x} ", url)
    return f'url("{escaped}")'


def _fragment(document, unwrap: bool = False) -> str:
    """The head's <style> blocks, then the body as a <div> (keeping its colours).

    `unwrap`: a body without attributes becomes its content alone, as HTML put into a page's
    editor is (a reopened draft's paragraphs stay the editor's first children).
    """
    pieces = []
    head = document.find("head")
    if head is not None:
        pieces += [_serialize(style) for style in head.iter("style")]
    body = document.find("body")
    if body is not None and unwrap and not body.attrib:
        content = html_module.escape(body.text or "", quote=False)
        content += "".join(
            lxml_html.tostring(child, encoding="unicode", method="html", with_tail=True)
            for child in body
        )
        pieces.append(content)
    elif body is not None:
        body.tag = "div"
        pieces.append(_serialize(body))
    return "\n".join(pieces)


def _serialize(element) -> str:
    return lxml_html.tostring(element, encoding="unicode", method="html", with_tail=False)


# -- HTML to plain text ---------------------------------------------------------------------------

_BLOCKS = {
    "address",
    "article",
    "aside",
    "center",
    "dd",
    "div",
    "dl",
    "dt",
    "footer",
    "form",
    "header",
    "li",
    "main",
    "nav",
    "ol",
    "section",
    "table",
    "tr",
    "ul",
}
_PARAGRAPHS = {"p", "h1", "h2", "h3", "h4", "h5", "h6", "pre"}
_SKIPPED = {"head", "script", "style", "title", "template", "noscript"}


def html_to_text(html_text: str) -> str:
    """A plain-text rendering of HTML for the text/plain alternative: paragraphs and line
    breaks kept, lists as "- ", links as "text <url>", quotes prefixed with "> "."""
    if not html_text or not html_text.strip():
        return ""
    try:
        root = lxml_html.fragment_fromstring(html_text, create_parent="div")
    except (etree.LxmlError, ValueError):
        return html_text
    return _render_block(root).strip("\n") + "\n"


def _render_block(element) -> str:
    pieces: list[str] = []
    _render_children(element, pieces)
    text = "".join(pieces)
    lines = [line.strip() for line in text.split("\n")]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text)


def _render_children(element, pieces: list[str]) -> None:
    if element.text:
        pieces.append(_collapse(element.text))
    for child in element:
        _render(child, pieces)
        if child.tail:
            pieces.append(_collapse(child.tail))


def _render(element, pieces: list[str]) -> None:
    tag = element.tag.lower() if isinstance(element.tag, str) else None
    if tag is None or tag in _SKIPPED:
        return
    if tag == "br":
        pieces.append("\n")
    elif tag == "hr":
        pieces.append("\n" + "-" * 40 + "\n")
    elif tag == "img":
        pieces.append(_collapse(element.get("alt") or ""))
    elif tag == "blockquote":
        inner = _render_block(element).strip("\n")
        quoted = "\n".join(f"> {line}" if line else ">" for line in inner.split("\n"))
        pieces.append(f"\n{quoted}\n\n")
    elif tag == "pre":
        pieces.append("\n\n" + element.text_content().strip("\n") + "\n\n")
    elif tag == "a":
        label = "".join(_link_text(element))
        href = (element.get("href") or "").strip()
        shown = href[7:] if href.lower().startswith("mailto:") else href
        if shown and shown not in label and re.match(r"(?i)(https?|mailto):", href):
            label = f"{label} <{shown}>" if label.strip() else shown
        pieces.append(label)
    elif tag == "li":
        pieces.append("\n- ")
        _render_children(element, pieces)
    elif tag in ("td", "th"):
        _render_children(element, pieces)
        pieces.append(" ")
    else:
        separator = "\n\n" if tag in _PARAGRAPHS else "\n" if tag in _BLOCKS else ""
        pieces.append(separator)
        _render_children(element, pieces)
        pieces.append(separator)


def _link_text(element) -> list[str]:
    pieces: list[str] = []
    _render_children(element, pieces)
    return pieces


def _collapse(text: str) -> str:
    return re.sub(r"\s+", " ", text)
