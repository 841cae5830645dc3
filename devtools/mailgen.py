"""Generate realistic German/English demo mail for demo IMAP mailboxes.

Everything is produced in code (no copied corpus) from a seeded ``random.Random``, so the same
arguments always give byte-identical messages. Attachments (PDF, PNG, JPEG) are tiny but valid
files written by hand with the standard library, so this module has no third-party dependency.

``demo_messages`` builds the hand-shaped part of one mailbox; ``bulk_messages`` streams cheap
filler for a big folder. Conversations between two demo users get the same Message-IDs, dates
and bytes in both mailboxes, provided every mailbox is generated with the same user list, seed
and ``now``.
"""

from __future__ import annotations

import base64
import datetime
import random
import struct
import textwrap
import zlib
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.policy import SMTP, SMTPUTF8, Policy
from email.utils import format_datetime, formataddr
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = ["SeedMessage", "bulk_messages", "demo_messages"]

SEEN = "\\Seen"
ANSWERED = "\\Answered"
FLAGGED = "\\Flagged"
DRAFT = "\\Draft"

CRLF = "\r\n"
BULK_FOLDER = "Archive/Bulk"


def _zone(key: str, fallback_hours: int) -> datetime.tzinfo:
    # zoneinfo needs the system tz database (or the tzdata package); a fixed offset keeps the
    # generator usable on minimal containers, at the price of ignoring daylight saving time.
    try:
        return ZoneInfo(key)
    except ZoneInfoNotFoundError:
        return datetime.timezone(datetime.timedelta(hours=fallback_hours))


BERLIN = _zone("Europe/Berlin", 1)
NEW_YORK = _zone("America/New_York", -5)
WARSAW = _zone("Europe/Warsaw", 1)
SHANGHAI = _zone("Asia/Shanghai", 8)
MOSCOW = _zone("Europe/Moscow", 3)
UTC = datetime.timezone.utc


@dataclass(frozen=True)
class SeedMessage:
    folder: str  # IMAP folder name with "/" as separator, e.g. "INBOX/Projekte"
    raw: bytes  # full RFC 5322 message, CRLF line endings
    flags: frozenset[str]  # IMAP system flags like "\\Seen"
    date: datetime.datetime  # aware datetime, used as the internal date


# --------------------------------------------------------------------------------------------
# Hand-made binary attachments
# --------------------------------------------------------------------------------------------

RGB = tuple[int, int, int]


def _png_chunk(tag: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data))


def _png_from_rows(width: int, height: int, rows: bytes) -> bytes:
    """``rows`` holds height * (1 filter byte + width * RGB) bytes."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8 bit truecolour
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(rows, 9))
        + _png_chunk(b"IEND", b"")
    )


def _png(width: int, height: int, pixel) -> bytes:
    rows = bytearray()
    for y in range(height):
        rows.append(0)  # filter type "None"
        for x in range(width):
            rows.extend(pixel(x, y))
    return _png_from_rows(width, height, bytes(rows))


def _noise_png(rng: random.Random, width: int, height: int) -> bytes:
    # Random pixels do not compress, which gives a "photo sized" attachment cheaply.
    rows = b"".join(b"\x00" + rng.randbytes(width * 3) for _ in range(height))
    return _png_from_rows(width, height, rows)


def _logo_png() -> bytes:
    """A 96x96 badge: coloured disc with a white bar, recognisable when shown inline."""

    def pixel(x: int, y: int) -> RGB:
        dx, dy = x - 47.5, y - 47.5
        if dx * dx + dy * dy > 44 * 44:
            return (255, 255, 255)
        if 40 <= y <= 55 and 20 <= x <= 75:
            return (255, 255, 255)
        return (0, 113, 188) if y < 48 else (0, 160, 150)

    return _png(96, 96, pixel)


def _chart_png() -> bytes:
    """A small bar chart, used as a "screenshot"."""
    bars = [30, 55, 42, 70, 64, 88]

    def pixel(x: int, y: int) -> RGB:
        column, offset = divmod(x - 8, 24)
        if 0 <= column < len(bars) and offset < 16 and 110 - y < bars[column] and y < 110:
            return (230, 120, 40) if column == len(bars) - 1 else (70, 110, 160)
        if y == 110 or x == 6:
            return (60, 60, 60)
        return (248, 248, 248)

    return _png(160, 120, pixel)


class _BitWriter:
    """MSB-first bit sink with JPEG byte stuffing (0xFF is followed by 0x00)."""

    def __init__(self) -> None:
        self.out = bytearray()
        self.acc = 0
        self.bits = 0

    def write(self, value: int, length: int) -> None:
        for shift in range(length - 1, -1, -1):
            self.acc = (self.acc << 1) | ((value >> shift) & 1)
            self.bits += 1
            if self.bits == 8:
                self.out.append(self.acc)
                if self.acc == 0xFF:
                    self.out.append(0)
                self.acc = self.bits = 0

    def finish(self) -> bytes:
        if self.bits:
            self.write((1 << (8 - self.bits)) - 1, 8 - self.bits)  # pad with 1 bits
        return bytes(self.out)


def _jpeg(blocks_wide: int, blocks_high: int, block_colour) -> bytes:
    """A baseline JPEG whose 8x8 blocks are flat colours (only DC coefficients are coded).

    That keeps the encoder tiny (no DCT needed) while the result is a real JFIF file that any
    decoder accepts; it looks like a very pixelated photo.
    """

    def segment(marker: int, payload: bytes) -> bytes:
        return struct.pack(">BBH", 0xFF, marker, len(payload) + 2) + payload

    jfif = segment(0xE0, b"JFIF\x00\x01\x01\x00\x00\x48\x00\x48\x00\x00")
    # DC quantiser 8 turns the DC coefficient 8*(sample-128) back into sample-128.
    dqt = segment(0xDB, b"\x00" + bytes([8] + [1] * 63))
    sof = segment(
        0xC0,
        struct.pack(">BHHB", 8, blocks_high * 8, blocks_wide * 8, 3)
        + b"\x01\x11\x00\x02\x11\x00\x03\x11\x00",
    )
    # DC table: categories 0..11, all with 4-bit codes (code == category).
    # AC table: only EOB (0x00) with the 1-bit code "0".
    dc_counts = bytes([0, 0, 0, 12] + [0] * 12)
    ac_counts = bytes([1] + [0] * 15)
    dht = segment(0xC4, b"\x00" + dc_counts + bytes(range(12)) + b"\x10" + ac_counts + b"\x00")
    sos = segment(0xDA, b"\x03\x01\x00\x02\x00\x03\x00\x00\x3f\x00")

    bits = _BitWriter()
    previous = [0, 0, 0]
    for by in range(blocks_high):
        for bx in range(blocks_wide):
            r, g, b = block_colour(bx, by)
            ycc = (
                0.299 * r + 0.587 * g + 0.114 * b,
                128 - 0.168736 * r - 0.331264 * g + 0.5 * b,
                128 + 0.5 * r - 0.418688 * g - 0.081312 * b,
            )
            for component, value in enumerate(ycc):
                dc = max(-127, min(127, round(value) - 128))
                diff = dc - previous[component]
                previous[component] = dc
                category = abs(diff).bit_length()
                bits.write(category, 4)
                if category:
                    bits.write(diff if diff > 0 else diff + (1 << category) - 1, category)
                bits.write(0, 1)  # EOB: all AC coefficients are zero
    scan = bits.finish()
    return b"\xff\xd8" + jfif + dqt + sof + dht + sos + scan + b"\xff\xd9"


def _team_photo_jpeg() -> bytes:
    """Sky, hills and a few "people": enough structure to look like a photo thumbnail."""

    def colour(bx: int, by: int) -> RGB:
        if by < 4:
            return (120 + by * 15, 170 + by * 10, 235)
        if by < 6 and (bx * 7 + by * 3) % 5 == 0:
            return (40, 120, 60)
        if 6 <= by < 10 and bx in (5, 6, 9, 10, 13, 14):
            return ((200, 60, 60), (240, 200, 170), (60, 80, 170))[(bx + by) % 3]
        return (70 + (bx * 5) % 40, 140 + (by * 7) % 30, 70)

    return _jpeg(20, 15, colour)


def _pdf_text(text: str) -> bytes:
    raw = text.encode("cp1252", "replace")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _pdf(title: str, lines: Sequence[str], *, pages: int = 1) -> bytes:
    """A minimal but valid PDF 1.4 (correct xref offsets) with Helvetica text.

    WinAnsiEncoding makes umlauts, ß and € printable with the standard fonts.
    """
    font = b"<< /Type /Font /Subtype /Type1 /BaseFont /%s /Encoding /WinAnsiEncoding >>"
    kids = " ".join(f"{6 + 2 * page} 0 R" for page in range(pages)).encode()
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [" + kids + b"] /Count " + str(pages).encode() + b" >>",
        font % b"Helvetica",
        font % b"Helvetica-Bold",
        b"<< /Title " + _pdf_text(title) + b" /Producer (dynaoffice mailgen) >>",
    ]
    for page in range(pages):
        content = [b"BT", b"/F2 16 Tf", b"56 780 Td", _pdf_text(title) + b" Tj", b"/F1 10 Tf"]
        content += [b"0 -30 Td", b"14 TL"]
        content += [_pdf_text(line) + b" Tj T*" for line in lines]
        if pages > 1:
            content.append(_pdf_text(f"Seite {page + 1} von {pages}") + b" Tj")
        content.append(b"ET")
        stream = b"\n".join(content)
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            b"/Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents "
            + str(7 + 2 * page).encode()
            + b" 0 R >>"
        )
        objects.append(
            b"<< /Length " + str(len(stream)).encode() + b" >>\nstream\n" + stream + b"\nendstream"
        )

    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref_at = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R /Info 5 0 R >>\n" % (len(objects) + 1)
    out += b"startxref\n%d\n%%%%EOF\n" % xref_at
    return bytes(out)


def _invoice_pdf(number: str, customer: str, date: datetime.datetime) -> bytes:
    return _pdf(
        f"Rechnung Nr. {number}",
        [
            "Müller & Söhne GmbH · Hauptstraße 12 · 10115 Berlin",
            "",
            f"Kunde: {customer}",
            f"Rechnungsdatum: {date:%d.%m.%Y}",
            f"Leistungszeitraum: {date:%m/%Y}",
            "",
            "Pos.  Bezeichnung                          Menge     Einzelpreis       Gesamt",
            "1     Wartungsvertrag Bürotechnik             1        480,00 €     480,00 €",
            "2     Toner schwarz (Großpackung)             3         89,90 €     269,70 €",
            "3     Anfahrt und Einrichtung                 1        287,90 €     287,90 €",
            "",
            "Zwischensumme netto                                              1.037,60 €",
            "zzgl. 19 % USt.                                                   197,14 €",
            "Rechnungsbetrag                                                  1.234,74 €",
            "",
            "Zahlbar innerhalb von 14 Tagen ohne Abzug.",
            "IBAN DE02 1203 0000 0000 2020 51 · BIC BYLADEM1001",
        ],
    )


def _sizes_pdf() -> bytes:
    return _pdf(
        "Übersicht Größen",
        [
            "Größe    Brustumfang    Taillenweite    Länge",
            "S        88–96 cm       76–84 cm        70 cm",
            "M        96–104 cm      84–92 cm        72 cm",
            "L        104–112 cm     92–100 cm       74 cm",
            "XL       112–120 cm     100–108 cm      76 cm",
            "",
            "Maße ohne Gewähr. Für Übergrößen bitte gesondert anfragen.",
        ],
    )


def _offer_pdf(number: str, signed: bool = False) -> bytes:
    lines = [
        "Customer: Northwind Analytics Inc., New York",
        "Support contract, 12 months, next-business-day response",
        "Seats: 14",
        "Price: 8,640.00 EUR net, invoiced quarterly (4 x 2,160.00 EUR)",
        "",
        "Valid for 30 days.",
    ]
    if signed:
        lines += ["", "Accepted and signed: Emily Carter, Head of Operations"]
    return _pdf(f"Offer {number}", lines)


# --------------------------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Person:
    name: str
    address: str
    tz: datetime.tzinfo = BERLIN

    @property
    def first(self) -> str:
        return self.name.split()[0] if self.name else self.address.split("@")[0]

    @property
    def domain(self) -> str:
        return self.address.rpartition("@")[2]

    @property
    def header(self) -> Address:
        return Address(display_name=self.name, addr_spec=self.address)


@dataclass
class _Posted:
    """A message of a conversation, kept so that the next reply can thread and quote it."""

    msg: EmailMessage
    sender: _Person
    text: str
    date: datetime.datetime
    recipients: tuple[_Person, ...] = field(default=())


def _attach(msg: EmailMessage, data: bytes, mime_type: str, filename: str) -> None:
    # Most mailers repeat the file name as the Content-Type "name"; some readers only look there.
    maintype, subtype = mime_type.split("/")
    msg.add_attachment(data, maintype, subtype, filename=filename, params={"name": filename})


def _text(block: str) -> str:
    return textwrap.dedent(block).strip("\n")


def _message_id(rng: random.Random, domain: str) -> str:
    return f"<{rng.getrandbits(48):012x}.{rng.getrandbits(32):08x}@{domain}>"


def _moment(
    now: datetime.datetime, days_ago: int, hour: int, minute: int, second: int = 0
) -> datetime.datetime:
    day = (now.astimezone(BERLIN) - datetime.timedelta(days=days_ago)).date()
    when = datetime.datetime(day.year, day.month, day.day, hour, minute, second, tzinfo=BERLIN)
    return min(when, now - datetime.timedelta(minutes=3))


_WEEKDAYS_EN = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def _quote(text: str, author: str, when: datetime.datetime, lang: str) -> str:
    if lang == "de":
        intro = f"Am {when:%d.%m.%Y} um {when:%H:%M} schrieb {author}:"
    else:
        # Spelled out by hand: strftime names would follow the process locale.
        intro = (
            f"On {_WEEKDAYS_EN[when.weekday()]}, {_MONTHS_EN[when.month - 1]} {when.day}, "
            f"{when.year} at {when:%H:%M}, {author} wrote:"
        )
    quoted = "\n".join(f"> {line}" if line else ">" for line in text.splitlines())
    return f"{intro}\n{quoted}"


def _reply_subject(subject: str, lang: str) -> str:
    prefix = "AW: " if lang == "de" else "Re: "
    if subject.lower().startswith(("aw:", "re:")):
        return subject
    return prefix + subject


def _new_message(policy: Policy = SMTP) -> EmailMessage:
    return EmailMessage(policy=policy)


def _raw(*lines: str | bytes) -> bytes:
    """Join header/body lines with CRLF for hand-written (often deliberately broken) mail."""
    parts = [line if isinstance(line, bytes) else line.encode("utf-8") for line in lines]
    return b"\r\n".join(parts) + b"\r\n"


def _b64_lines(data: bytes) -> str:
    return base64.encodebytes(data).decode("ascii").replace("\n", CRLF)


_NEWSLETTER_CSS = """
body { margin: 0; padding: 0; background: #f2f4f7; font-family: Helvetica, Arial, sans-serif; }
.wrapper { width: 100%; background: #f2f4f7; padding: 24px 0; }
.container { max-width: 600px; margin: 0 auto; background: #ffffff; border-radius: 6px; }
.header { padding: 24px; color: #ffffff; }
.header h1 { margin: 0; font-size: 24px; }
.item { padding: 16px 24px; border-bottom: 1px solid #e5e7eb; }
.item h2 { font-size: 18px; margin: 0 0 8px 0; color: #111827; }
.item p { font-size: 14px; line-height: 1.5; color: #374151; margin: 0 0 8px 0; }
.button { display: inline-block; padding: 10px 18px; border-radius: 4px; color: #ffffff;
          text-decoration: none; font-weight: bold; }
.footer { padding: 16px 24px; font-size: 11px; color: #6b7280; }
@media only screen and (max-width: 620px) { .container { width: 100% !important; } }
"""


@dataclass(frozen=True)
class _Newsletter:
    brand: str
    colour: str
    campaign: str
    title: str
    preheader: str
    items: tuple[tuple[str, str, str], ...]  # (headline, teaser, url slug)
    lang: str = "de"
    image_scheme: str = "https"


def _newsletter_bodies(letter: _Newsletter, tracking_id: str) -> tuple[str, str]:
    """Return (text, html) for a typical marketing newsletter with remote content."""
    images = f"{letter.image_scheme}://images.example.com/{letter.campaign}"
    read_more, unsubscribe, online = (
        ("Weiterlesen", "Abmelden", "Im Browser ansehen")
        if letter.lang == "de"
        else ("Read more", "Unsubscribe", "View in browser")
    )

    def click(n: int, slug: str) -> str:
        return (
            f"https://click.example.com/r/{tracking_id}/{n}"
            f"?url=https%3A%2F%2Fwww.example.com%2F{slug}&amp;utm_source=newsletter"
        )

    blocks = []
    text_items = []
    for n, (headline, teaser, slug) in enumerate(letter.items, start=1):
        blocks.append(
            f'<tr><td class="item">'
            f'<img src="{images}/item{n}.jpg" width="552" height="200" alt="" '
            f'style="display:block;width:100%;height:auto;border:0">'
            f"<h2>{headline}</h2><p>{teaser}</p>"
            f'<a class="button" href="{click(n, slug)}" '
            f'style="background:{letter.colour}">{read_more} &rarr;</a></td></tr>'
        )
        text_items.append(f"{headline}\n{teaser}\n{read_more}: https://www.example.com/{slug}\n")
    html = (
        '<!DOCTYPE html>\n<html lang="' + letter.lang + '"><head><meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{letter.title}</title>\n<style>{_NEWSLETTER_CSS}</style></head>\n<body>\n"
        f'<span style="display:none;max-height:0;overflow:hidden">{letter.preheader}</span>\n'
        '<div class="wrapper"><table class="container" role="presentation" cellpadding="0" '
        'cellspacing="0" align="center">\n'
        f'<tr><td class="footer"><a href="https://www.example.com/online/{tracking_id}">'
        f"{online}</a></td></tr>\n"
        f'<tr><td class="header" style="background:{letter.colour}">'
        f'<img src="{images}/logo.png" width="140" height="40" alt="{letter.brand}">'
        f"<h1>{letter.title}</h1></td></tr>\n"
        f'<tr><td><img src="{images}/hero.jpg" width="600" height="260" alt="" '
        f'style="display:block;width:100%;height:auto"></td></tr>\n'
        + "\n".join(blocks)
        + f'\n<tr><td class="footer">{letter.brand} · Musterweg 1 · 12345 Example City<br>'
        f'<a href="https://www.example.com/unsubscribe/{tracking_id}">{unsubscribe}</a>'
        f"</td></tr>\n</table></div>\n"
        f'<img src="https://track.example.com/open/{tracking_id}.gif" width="1" height="1" '
        'alt="" style="display:block;border:0">\n</body></html>\n'
    )
    text = (
        f"{letter.title}\n{'=' * len(letter.title)}\n\n{letter.preheader}\n\n"
        + "\n".join(text_items)
        + f"\n--\n{letter.brand}\n{unsubscribe}: https://www.example.com/unsubscribe/"
        f"{tracking_id}\n"
    )
    return text, html


# --------------------------------------------------------------------------------------------
# Conversations between two demo users (identical in both mailboxes)
# --------------------------------------------------------------------------------------------

# (subject, language, folder for incoming mail, three bodies: initiator, reply, follow-up)
_PAIR_TOPICS: tuple[tuple[str, str, str, tuple[str, str, str]], ...] = (
    (
        "Projektplanung Q3",
        "de",
        "INBOX/Projekte",
        (
            """
            Hallo {b},

            wie besprochen hier meine Vorschläge für die Planung im dritten Quartal:

            1. Migration der Kundendatenbank bis Ende Juli
            2. Schulung für das Vertriebsteam (zwei halbe Tage)
            3. Review der Prozesse im Einkauf

            Kannst du bis Donnerstag einen Blick darauf werfen? Mir ist vor allem wichtig,
            ob Punkt 1 realistisch ist.

            Viele Grüße
            {a}
            """,
            """
            Hi {a},

            danke für die Übersicht. Punkt 1 ist knapp, aber machbar, wenn wir die Testphase
            auf zwei Wochen begrenzen. Bei Punkt 2 würde ich lieber ganze Tage nehmen – die
            halben Tage zerfasern erfahrungsgemäß.

            Gruß
            {b}
            """,
            """
            Alles klar, dann planen wir zwei ganze Tage. Ich trage das so ins Dokument ein.

            {a}
            """,
        ),
    ),
    (
        "Urlaubsvertretung",
        "de",
        "INBOX",
        (
            """
            Hallo {b},

            ich bin ab übernächster Woche für zehn Tage im Urlaub. Könntest du in der Zeit
            meine Anfragen übernehmen? Die offenen Vorgänge stehen in der Übergabeliste,
            die wichtigsten sind:

            - Reklamation Fa. Köhler (wartet auf Rückmeldung der Technik)
            - Angebot für die Stadtwerke (Abgabe am Monatsende)

            Danke dir!
            {a}
            """,
            """
            Hallo {a},

            klar, mache ich. Schick mir bitte noch die Zugangsdaten für das
            Lieferantenportal, die habe ich nicht.

            Schönen Urlaub schon mal!
            {b}
            """,
            """
            Die Zugangsdaten liegen im Passwort-Safe unter „Lieferanten“. Danke nochmal! 🌴

            {a}
            """,
        ),
    ),
    (
        "Angebot für Kunde Hoffmann",
        "de",
        "INBOX",
        (
            """
            Hi {b},

            Herr Hoffmann hat heute angerufen und möchte bis Freitag ein Angebot für
            25 Arbeitsplätze inklusive Einrichtung. Übernimmst du die Kalkulation? Die Preise
            vom letzten Jahr sind in der Vorlage, bitte mit dem neuen Stundensatz (98 €)
            rechnen.

            Danke und Gruß
            {a}
            """,
            """
            Hallo {a},

            ist erledigt, das Angebot liegt als Entwurf im Vertriebsordner.
            Summe netto 18.450,00 €. Magst du noch drüberschauen, bevor es rausgeht?

            {b}
            """,
            """
            Sieht gut aus – ich habe nur die Zahlungsbedingungen auf 14 Tage geändert.
            Geht heute raus.

            Gruß {a}
            """,
        ),
    ),
    (
        "Budget for the design workshop",
        "en",
        "INBOX",
        (
            """
            Hi {b},

            quick question: do we still have budget left for the design workshop in
            October? Finance asked me for a number by the end of the week.

            Cheers,
            {a}
            """,
            """
            Hi {a},

            we have roughly 3,200 € left on the cost centre. The workshop quote was
            2,750 €, so it fits – barely.

            Best,
            {b}
            """,
            """
            Perfect, thanks! I'll pass that on.

            {a}
            """,
        ),
    ),
    (
        "Wartungsfenster am Samstag",
        "de",
        "INBOX",
        (
            """
            Hallo {b},

            am Samstag zwischen 8 und 12 Uhr spielen wir Updates auf den Mailserver ein.
            In der Zeit ist das Postfach nicht erreichbar. Hast du an dem Tag etwas
            Dringendes geplant?

            Gruß
            {a}
            """,
            """
            Hi {a},

            nein, passt. Kannst du vorher noch prüfen, ob die Weiterleitung für info@
            danach weiterhin funktioniert? Beim letzten Mal war sie weg.

            {b}
            """,
            """
            Mache ich, steht auf der Checkliste. Ich melde mich, wenn alles durch ist.

            {a}
            """,
        ),
    ),
)

_MAX_PAIR_CONVERSATIONS = 4


def _pair_conversation(
    me: _Person, other: _Person, users: Sequence[str], seed: int, now: datetime.datetime
) -> list[tuple[_Posted, str]]:
    """Three-message thread between two demo users, as (message, incoming folder) pairs.

    Everything (who starts, topic, times, Message-IDs) derives from the pair and the global user
    list only, so the mailbox of either user gets byte-identical copies.
    """
    i, j = sorted((users.index(me.address), users.index(other.address)))
    first, second = (me, other) if me.address == users[i] else (other, me)
    initiator, responder = (first, second) if (i + j) % 2 == 0 else (second, first)
    subject, lang, folder, bodies = _PAIR_TOPICS[(i + j) % len(_PAIR_TOPICS)]
    rng = random.Random(f"pair|{seed}|{users[i]}|{users[j]}")

    when = _moment(now, rng.randint(4, 60), rng.randint(8, 15), rng.randint(0, 59), 0)
    names = {"a": initiator.first, "b": responder.first}
    thread: list[tuple[_Posted, str]] = []
    parent: _Posted | None = None
    for n, body in enumerate(bodies):
        sender, recipient = (initiator, responder) if n % 2 == 0 else (responder, initiator)
        text = _text(body).format(**names)
        if parent is not None:
            text += "\n\n" + _quote(parent.text, parent.sender.name, parent.date, lang)
        msg = _new_message()
        msg["From"] = sender.header
        msg["To"] = recipient.header
        msg["Subject"] = subject if parent is None else _reply_subject(subject, lang)
        msg["Date"] = when.replace(second=rng.randint(0, 59))
        msg["Message-ID"] = _message_id(rng, sender.domain)
        if parent is not None:
            _thread_headers(msg, parent.msg)
        msg["User-Agent"] = "DynaOffice Mail"
        msg.set_content(text)
        parent = _Posted(msg, sender, text, msg["Date"].datetime, (recipient,))
        thread.append((parent, folder))
        when = min(
            when + datetime.timedelta(minutes=rng.randint(35, 320)),
            now - datetime.timedelta(minutes=3),
        )
    return thread


def _thread_headers(msg: EmailMessage, parent: EmailMessage) -> None:
    parent_id = str(parent["Message-ID"])
    references = str(parent.get("References", "")).split()
    msg["In-Reply-To"] = parent_id
    msg["References"] = " ".join([*references, parent_id])


# --------------------------------------------------------------------------------------------
# The hand-shaped demo mailbox
# --------------------------------------------------------------------------------------------


class _DemoMailbox:
    def __init__(
        self,
        owner: _Person,
        colleagues: list[_Person],
        seed: int,
        now: datetime.datetime,
    ) -> None:
        self.owner = owner
        self.real_colleagues = colleagues
        # Scenarios address up to three colleagues; invented ones fill up small demo setups.
        stand_ins = [
            _Person("Jonas Becker", f"jonas.becker@{owner.domain}"),
            _Person("Mei Lin", f"mei.lin@{owner.domain}"),
            _Person("Sophie Schäfer", f"sophie.schaefer@{owner.domain}"),
        ]
        known = {owner.address, *(c.address for c in colleagues)}
        self.crew = colleagues + [p for p in stand_ins if p.address not in known]
        self.seed = seed
        self.now = now
        self.rng = random.Random(f"mailbox|{seed}|{owner.address}")
        self.messages: list[SeedMessage] = []
        self.archive_year = (now - datetime.timedelta(days=80)).year

    # -- plumbing -----------------------------------------------------------------------------

    def at(self, days_ago: int, hour: int, minute: int | None = None) -> datetime.datetime:
        minute = self.rng.randint(0, 59) if minute is None else minute
        return _moment(self.now, days_ago, hour, minute, self.rng.randint(0, 59))

    def compose(
        self,
        sender: _Person,
        to: Sequence[_Person],
        subject: str,
        date: datetime.datetime,
        *,
        text: str | None = None,
        html: str | None = None,
        cc: Sequence[_Person] = (),
        bcc: Sequence[_Person] = (),
        parent: _Posted | None = None,
        headers: Sequence[tuple[str, str]] = (),
        policy: Policy = SMTP,
        trace: bool | None = None,
    ) -> EmailMessage:
        """Build a mail; ``trace`` adds the headers our MX would add (default: outside mail)."""
        msg = _new_message(policy)
        if trace if trace is not None else sender.domain != self.owner.domain:
            self._trace_headers(msg, sender, date)
        msg["From"] = sender.header
        if to:
            msg["To"] = [p.header for p in to]
        if cc:
            msg["Cc"] = [p.header for p in cc]
        if bcc:
            msg["Bcc"] = [p.header for p in bcc]
        msg["Subject"] = subject
        msg["Date"] = date.astimezone(sender.tz)
        msg["Message-ID"] = _message_id(self.rng, sender.domain)
        if parent is not None:
            _thread_headers(msg, parent.msg)
        for name, value in headers:
            msg[name] = value
        if text is not None:
            msg.set_content(text)
        if html is not None:
            if text is None:
                msg.set_content(html, subtype="html")
            else:
                msg.add_alternative(html, subtype="html")
        return msg

    def _trace_headers(self, msg: EmailMessage, sender: _Person, date: datetime.datetime) -> None:
        # What the receiving MTA prepends; clients show it in "view source" and some parse it.
        relay = f"mail{self.rng.randint(1, 9)}.{sender.domain}"
        ip = f"192.0.2.{self.rng.randint(10, 250)}"  # TEST-NET-1
        received_at = format_datetime(date.astimezone(BERLIN) + datetime.timedelta(seconds=4))
        msg["Return-Path"] = f"<bounce+{self.rng.getrandbits(32):08x}@{sender.domain}>"
        msg["Received"] = (
            f"from {relay} ({relay} [{ip}]) by mx.{self.owner.domain} with ESMTPS id "
            f"{self.rng.getrandbits(40):010X} for <{self.owner.address}>; {received_at}"
        )
        msg["Authentication-Results"] = (
            f"mx.{self.owner.domain}; spf=pass smtp.mailfrom={sender.domain}; "
            f"dkim=pass header.d={sender.domain}; dmarc=pass header.from={sender.domain}"
        )

    def file(
        self,
        folder: str,
        msg: EmailMessage | bytes,
        date: datetime.datetime,
        flags: Sequence[str] = (SEEN,),
    ) -> None:
        if isinstance(msg, EmailMessage):
            self._fix_boundaries(msg)
            msg = msg.as_bytes()
        self.messages.append(SeedMessage(folder, msg, frozenset(flags), date))

    def _fix_boundaries(self, msg: EmailMessage) -> None:
        # The generator would otherwise pick boundaries from the global random module.
        for part in msg.walk():
            if part.get_content_maintype() == "multipart" and part.get_boundary() is None:
                part.set_boundary(f"=_dyna_{self.rng.getrandbits(64):016x}")

    def post(
        self,
        folder: str,
        sender: _Person,
        to: Sequence[_Person],
        subject: str,
        date: datetime.datetime,
        text: str,
        flags: Sequence[str] = (SEEN,),
        **kwargs,
    ) -> _Posted:
        """Compose a text mail, file it, and return it for threading."""
        msg = self.compose(sender, to, subject, date, text=text, **kwargs)
        self.file(folder, msg, date, flags)
        return _Posted(msg, sender, text, date, tuple(to))

    def reply(
        self,
        folder: str,
        parent: _Posted,
        sender: _Person,
        text: str,
        date: datetime.datetime,
        lang: str,
        flags: Sequence[str] = (SEEN,),
        **kwargs,
    ) -> _Posted:
        to = kwargs.pop("to", (parent.sender,))
        quoted = text + "\n\n" + _quote(parent.text, parent.sender.name, parent.date, lang)
        subject = _reply_subject(str(parent.msg["Subject"]), lang)
        posted = self.post(
            folder, sender, to, subject, date, quoted, flags, parent=parent, **kwargs
        )
        return posted

    def incoming_flags(self, date: datetime.datetime, *extra: str) -> tuple[str, ...]:
        # Older mail has been read; of the last week's mail a good part not yet.
        age = self.now - date
        unread = age < datetime.timedelta(days=2) or (
            age < datetime.timedelta(days=7) and self.rng.random() < 0.5
        )
        return (*(() if unread else (SEEN,)), *extra)

    # -- scenarios ----------------------------------------------------------------------------

    def build(self) -> list[SeedMessage]:
        self.colleague_threads()
        self.customer_thread()
        self.supplier_thread_archived()
        self.website_relaunch()
        self.newsletters()
        self.personal_notes()
        self.international()
        self.attachments()
        self.invitation_and_forward()
        self.sent_and_bounce()
        self.drafts()
        self.trash()
        self.junk()
        self.malformed()
        self.archive()
        self.messages.sort(key=lambda message: message.date)
        return self.messages

    def colleague_threads(self) -> None:
        partners = self.real_colleagues[:_MAX_PAIR_CONVERSATIONS] or self.crew[:2]
        users = sorted({self.owner.address, *(p.address for p in partners)})
        for partner in partners:
            thread = _pair_conversation(self.owner, partner, users, self.seed, self.now)
            for index, (posted, folder) in enumerate(thread):
                if posted.sender == self.owner:
                    self.file("Sent", posted.msg, posted.date, (SEEN,))
                    continue
                answered = index + 1 < len(thread)
                extra = (ANSWERED,) if answered else ()
                flags = (SEEN, *extra) if answered else self.incoming_flags(posted.date)
                self.file(folder, posted.msg, posted.date, flags)

    def customer_thread(self) -> None:
        emily = _Person("Emily Carter", "emily.carter@example.com", NEW_YORK)
        me = self.owner
        signature = "\n-- \nEmily Carter\nHead of Operations, Northwind Analytics\n+1 212 555 0147"
        first = self.post(
            "INBOX",
            emily,
            [me],
            "Contract renewal 2025/26",
            self.at(27, 15, 12),
            _text(
                f"""
                Hi {me.first},

                I hope you're well. Our current support contract ends next month and we'd
                like to renew it for another 12 months, ideally with the same SLA
                (next-business-day response). Could you send me an updated quote?

                Also, is there any chance to add two more seats for our new team members
                in Berlin?

                Best regards,
                Emily
                """
            )
            + signature,
            (SEEN, ANSWERED),
        )
        second = self.reply(
            "Sent",
            first,
            me,
            _text(
                f"""
                Hi Emily,

                thanks for reaching out – happy to hear you want to continue. The quote for
                12 months with next-business-day response and 14 seats (12 + 2) is
                8,640.00 EUR net. I'll send the formal offer as PDF tomorrow.

                Kind regards,
                {me.name}
                """
            ),
            self.at(27, 17, 40),
            "en",
        )
        third = self.reply(
            "INBOX",
            second,
            emily,
            _text(
                f"""
                Hi {me.first},

                that works for us. One question: can we switch to quarterly invoicing?
                Our finance team prefers that.

                Thanks,
                Emily
                """
            ),
            self.at(26, 16, 5),
            "en",
            (SEEN, ANSWERED, FLAGGED),
        )
        offer_date = self.at(25, 9, 30)
        fourth = self.compose(
            me,
            [emily],
            _reply_subject(str(third.msg["Subject"]), "en"),
            offer_date,
            text=_text(
                f"""
                Hi Emily,

                yes, quarterly invoicing is no problem. I've updated the offer accordingly,
                see attachment.

                Best,
                {me.first}
                """
            )
            + "\n\n"
            + _quote(third.text, emily.name, third.date, "en"),
            parent=third,
        )
        _attach(fourth, _offer_pdf("2025-117"), "application/pdf", "Offer_2025-117.pdf")
        self.file("Sent", fourth, offer_date)
        signed_date = self.at(2, 14, 48)
        fifth = self.compose(
            emily,
            [me],
            _reply_subject(str(third.msg["Subject"]), "en"),
            signed_date,
            text="Perfect – signed copy attached. Looking forward to another year!\n\nEmily"
            + signature,
            parent=_Posted(fourth, me, "", offer_date),
        )
        _attach(
            fifth,
            _offer_pdf("2025-117", signed=True),
            "application/pdf",
            "Offer_2025-117_signed.pdf",
        )
        self.file("INBOX", fifth, signed_date, ())

    def supplier_thread_archived(self) -> None:
        lukasz = _Person("Łukasz Wróbel", "l.wrobel@example.org", WARSAW)
        me = self.owner
        folder = f"Archive/{self.archive_year}"
        first = self.post(
            folder,
            lukasz,
            [me],
            "Lieferverzug Bestellung 4711",
            self.at(84, 10, 3),
            _text(
                f"""
                Guten Tag {me.name},

                leider verzögert sich die Lieferung Ihrer Bestellung Nr. 4711
                (40× Monitorhalterung „FlexArm“) um voraussichtlich zehn Tage, da unser
                Zulieferer Probleme mit den Gasdruckfedern hat.

                Wir bitten um Entschuldigung. Als Ausgleich bieten wir Ihnen 5 % Nachlass
                auf die Rechnung an.

                Mit freundlichen Grüßen
                Łukasz Wróbel
                Kundenbetreuung, Wróbel & Nowak Sp. z o.o.
                """
            ),
            (SEEN, ANSWERED),
        )
        second = self.reply(
            folder,
            first,
            me,
            _text(
                f"""
                Guten Tag Herr Wróbel,

                danke für die rechtzeitige Information. Der Nachlass ist in Ordnung. Bitte
                liefern Sie die bereits verfügbaren 15 Stück vorab, damit wir das erste Büro
                ausstatten können.

                Mit freundlichen Grüßen
                {me.name}
                """
            ),
            self.at(84, 11, 30),
            "de",
        )
        self.reply(
            folder,
            second,
            lukasz,
            _text(
                f"""
                Guten Tag {me.name},

                die Teillieferung (15 Stück) ist heute rausgegangen, Sendungsnummer
                00340434161094042557. Der Rest folgt wie angekündigt.

                Mit freundlichen Grüßen
                Łukasz Wróbel
                """
            ),
            self.at(82, 16, 20),
            "de",
        )

    def website_relaunch(self) -> None:
        """Group thread with an inline (cid:) image, reply-all and the owner's answer."""
        lead, designer = self.crew[0], self.crew[1]
        me = self.owner
        date = self.at(12, 9, 14)
        logo_cid = _message_id(self.rng, lead.domain)
        text = _text(
            f"""
            Hallo {me.first}, hallo {designer.first},

            anbei der erste Entwurf für das neue Logo (siehe Bild). Farben wie besprochen:
            Blau #0071BC und Petrol #00A096.

            Feedback bitte bis Mittwoch, dann kann die Agentur die Startseite fertig machen.

            Viele Grüße
            {lead.first}
            """
        )
        html = (
            '<html><body style="font-family:Calibri,Arial,sans-serif;font-size:11pt">'
            f"<p>Hallo {me.first}, hallo {designer.first},</p>"
            "<p>anbei der erste Entwurf für das neue Logo:</p>"
            f'<p><img src="cid:{logo_cid[1:-1]}" alt="Logo-Entwurf" width="96" height="96" '
            'style="border:1px solid #ddd"></p>'
            '<p>Farben wie besprochen: <span style="color:#0071BC">Blau #0071BC</span> und '
            '<span style="color:#00A096">Petrol #00A096</span>.</p>'
            "<p>Feedback bitte bis <b>Mittwoch</b>, dann kann die Agentur die Startseite "
            "fertig machen.</p>"
            f"<p>Viele Grüße<br>{lead.first}</p></body></html>"
        )
        subject = "Relaunch Website – erster Logo-Entwurf"
        msg = self.compose(lead, [me], subject, date, text=text, html=html, cc=[designer])
        msg.get_payload()[1].add_related(
            _logo_png(),
            "image",
            "png",
            cid=logo_cid,
            filename="logo-entwurf.png",
            # A filename alone would make the part an attachment; mail clients send it inline.
            disposition="inline",
        )
        self.file("INBOX/Projekte", msg, date, (SEEN,))
        first = _Posted(msg, lead, text, date, (me, designer))
        second = self.reply(
            "INBOX/Projekte",
            first,
            designer,
            _text(
                f"""
                Hi {lead.first},

                gefällt mir gut! Nur der weiße Balken wirkt in klein etwas dünn – kann die
                Agentur den um 2 px verstärken?

                {designer.first}
                """
            ),
            self.at(12, 10, 2),
            "de",
            (SEEN, ANSWERED),
            to=(lead,),
            cc=(me,),
        )
        self.reply(
            "Sent",
            second,
            me,
            _text(
                f"""
                Von mir auch ein Daumen hoch 👍 – mit dem dickeren Balken gerne so umsetzen.

                {me.first}
                """
            ),
            self.at(12, 11, 25),
            "de",
            to=(lead,),
            cc=(designer,),
        )

    def newsletters(self) -> None:
        letters = (
            (
                _Person("Digital-Briefing", "newsletter@news.example.com"),
                _Newsletter(
                    "Digital-Briefing",
                    "#1f6feb",
                    "briefing-kw",
                    "Digital-Briefing: KI im Büroalltag",
                    "Was Assistenten heute schon können – und wo sie noch danebenliegen.",
                    (
                        (
                            "KI im Büroalltag: Ein Praxistest",
                            "Wir haben fünf Assistenten eine Woche lang im Büro getestet.",
                            "artikel/ki-praxistest",
                        ),
                        (
                            "Datenschutz: Was die neue Verordnung ändert",
                            "Die wichtigsten Änderungen für kleine Unternehmen im Überblick.",
                            "artikel/datenschutz-update",
                        ),
                        (
                            "Tipp der Woche: Postfach aufräumen",
                            "Mit drei Regeln zur Inbox Zero – ohne Stress.",
                            "tipps/inbox-zero",
                        ),
                    ),
                ),
                6,
            ),
            (
                _Person("Cloudly Product Team", "hello@updates.example.net", NEW_YORK),
                _Newsletter(
                    "Cloudly",
                    "#7c3aed",
                    "product-updates",
                    "Product updates: what's new this month",
                    "Faster sync, shared calendars and a new mobile app.",
                    (
                        (
                            "Sync is now 3× faster",
                            "We rewrote the sync engine from scratch. Here is what changed.",
                            "blog/faster-sync",
                        ),
                        (
                            "Shared calendars are here",
                            "Share any calendar with your team in two clicks.",
                            "blog/shared-calendars",
                        ),
                    ),
                    lang="en",
                ),
                15,
            ),
            (
                _Person("Möbelhaus Sørensen", "angebote@shop.example.org"),
                _Newsletter(
                    "Möbelhaus Sørensen",
                    "#c2410c",
                    "sale",
                    "Nur heute: 20 % auf alles!",
                    "Bürostühle, Schreibtische und Lampen – nur bis Mitternacht.",
                    (
                        (
                            "Ergonomischer Bürostuhl „Kontor“",
                            "Statt 349 € jetzt nur 279,20 € – mit 5 Jahren Garantie.",
                            "p/kontor-stuhl",
                        ),
                        (
                            "Höhenverstellbarer Schreibtisch",
                            "Elektrisch, 160 × 80 cm, in drei Farben.",
                            "p/hubtisch",
                        ),
                    ),
                    image_scheme="http",
                ),
                1,
            ),
        )
        subjects = (None, None, "🎉 Nur heute: 20 % Rabatt auf alles!")
        for (sender, letter, days_ago), subject in zip(letters, subjects, strict=True):
            date = self.at(days_ago, 6, 30)
            self.file(
                "INBOX",
                self.newsletter(sender, letter, date, subject),
                date,
                self.incoming_flags(date),
            )

    def newsletter(
        self,
        sender: _Person,
        letter: _Newsletter,
        date: datetime.datetime,
        subject: str | None = None,
    ) -> EmailMessage:
        tracking_id = f"{self.rng.getrandbits(64):016x}"
        text, html = _newsletter_bodies(letter, tracking_id)
        return self.compose(
            sender,
            [self.owner],
            subject or letter.title,
            date,
            text=text,
            html=html,
            headers=(
                ("List-Id", f"{letter.brand} <{letter.campaign}.list.{sender.domain}>"),
                (
                    "List-Unsubscribe",
                    (
                        f"<https://www.example.com/unsubscribe/{tracking_id}>, "
                        f"<mailto:unsubscribe@{sender.domain}?subject={tracking_id}>"
                    ),
                ),
                ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
                ("Precedence", "bulk"),
                ("Feedback-ID", f"{letter.campaign}:newsletter:{sender.domain}"),
            ),
        )

    def personal_notes(self) -> None:
        juergen = _Person("Jürgen Weiß", "juergen.weiss@example.org")
        date = self.at(9, 19, 45)
        text = _text(
            f"""
            Hallo {self.owner.first},

            am Samstag ist wieder Straßenfest in der Schloßstraße – diesmal mit Bühne vor der
            Bäckerei Größl und einem Flohmarkt für die Kinder. Wir treffen uns um 15 Uhr am
            Brunnen, danach gibt's Würstchen und Kölsch (oder Apfelschorle für die Fahrer).

            Magst du wieder den Kuchen übernehmen? Der Käsekuchen vom letzten Mal war
            übrigens der Renner. 😄

            Schöne Grüße aus dem Süden
            Jürgen

            P.S.: Falls es regnet, weichen wir in den Gemeindesaal aus (Öffnung ab 14:30).
            """
        )
        self.post(
            "INBOX",
            juergen,
            [self.owner],
            "Grüße aus dem Süden – Straßenfest am Samstag",
            date,
            text,
            (SEEN, FLAGGED),
        )

        zoe = _Person("Zoë Ørsted", "zoe@example.net", UTC)
        date = self.at(4, 11, 20)
        self.zoe_question = self.post(
            "INBOX",
            zoe,
            [self.owner],
            "Quick question about the API limits",
            date,
            _text(
                f"""
                Hi {self.owner.first},

                we're integrating your booking API and keep hitting HTTP 429 after about 60
                requests per minute. The documentation says 120/min for the business plan.
                Is the limit per API key or per IP address? We run three workers behind one
                NAT gateway, so that would explain it.

                Thanks a lot,
                Zoë
                """
            ),
            (SEEN,),
        )

        francois = _Person("François Lefèvre", "f.lefevre@example.com")
        date = self.at(3, 8, 55)
        self.post(
            "INBOX",
            francois,
            [self.owner],
            "Café-Treffen nächste Woche? ☕",
            date,
            _text(
                f"""
                Salut {self.owner.first},

                ich bin nächste Woche in der Stadt (Mittwoch bis Freitag). Hast du Lust auf
                einen Café au lait im „Café Crème“? Ich würde dir gern unser neues Projekt
                zeigen – déjà vu garantiert, es geht wieder um Rechnungseingang. 😉

                À bientôt,
                François
                """
            ),
            self.incoming_flags(date),
        )

        launcher = self.crew[2] if len(self.crew) > 2 else self.crew[0]
        date = self.at(1, 13, 37)
        self.post(
            "INBOX",
            launcher,
            [self.owner, *self.crew[:2]],
            "🚀 Launch-Party am Freitag!",
            date,
            _text(
                """
                Hallo zusammen,

                die neue Version ist live! 🎉 Das feiern wir am Freitag ab 16 Uhr in der
                Küche im 3. OG. Für Pizza und Getränke ist gesorgt, vegane Optionen gibt es
                auch.

                Bitte kurz bis Donnerstag zusagen, damit wir richtig bestellen.

                Bis dann!
                """
            )
            + f"\n{launcher.first}",
            self.incoming_flags(date),
        )

    def international(self) -> None:
        """Non-Latin names and subjects (RFC 2047) plus one raw UTF-8 (SMTPUTF8) header."""
        dmitri = _Person("Дмитрий Иванов", "d.ivanov@example.org", MOSCOW)
        date = self.at(33, 10, 10)
        self.post(
            "INBOX",
            dmitri,
            [self.owner],
            "Привет из Москвы – Termin im Oktober",
            date,
            _text(
                f"""
                Hallo {self.owner.first},

                viele Grüße aus Moskau! Wie besprochen würde ich im Oktober für zwei Tage
                nach Deutschland kommen. Passt dir die Woche nach dem 10.?

                С уважением / Mit freundlichen Grüßen
                Дмитрий (Dmitri)
                """
            ),
        )
        zhang = _Person("张伟", "zhang.wei@example.com", SHANGHAI)
        date = self.at(19, 3, 40)
        self.post(
            "INBOX",
            zhang,
            [self.owner],
            "会议安排 / Meeting schedule for the Shanghai visit",
            date,
            _text(
                f"""
                Dear {self.owner.first},

                please find below the proposed schedule for your visit:

                周一 (Monday)   09:30  Factory tour
                周二 (Tuesday)  14:00  Contract discussion
                周三 (Wednesday)       Return flight

                Please let me know if this works for you.

                Best regards / 此致敬礼
                Zhang Wei (张伟)
                """
            ),
        )
        joerg = _Person("Jörg Müßig", "joerg.muessig@example.org")
        date = self.at(7, 16, 2)
        self.post(
            "INBOX",
            joerg,
            [self.owner],
            "Änderungswünsche zum Vertrag – bitte bis Freitag prüfen",
            date,
            _text(
                f"""
                Hallo {self.owner.first},

                unsere Rechtsabteilung hat noch zwei Änderungswünsche zum Vertragsentwurf:

                § 4 Abs. 2: Kündigungsfrist drei statt sechs Monate
                § 9: Gerichtsstand München statt Köln

                Kannst du das bis Freitag prüfen? Größere Änderungen sollten es nicht sein.

                Grüße
                Jörg
                """
            ),
            headers=(("X-Mailer", "SMTPUTF8 demo (raw UTF-8 headers)"),),
            # Raw UTF-8 in the header block, as servers with SMTPUTF8/UTF8=ACCEPT deliver it.
            policy=SMTPUTF8,
        )

    def attachments(self) -> None:
        accounting = _Person("Buchhaltung · Müller & Söhne GmbH", "rechnung@example.net")
        date = self.at(17, 7, 5)
        number = f"{date.year}-0042"
        msg = self.compose(
            accounting,
            [self.owner],
            f"Ihre Rechnung {number}",
            date,
            text=_text(
                f"""
                Sehr geehrte Damen und Herren,

                anbei erhalten Sie unsere Rechnung Nr. {number} über 1.234,74 € als PDF.
                Bitte überweisen Sie den Betrag innerhalb von 14 Tagen.

                Mit freundlichen Grüßen
                Ihre Buchhaltung
                Müller & Söhne GmbH · Hauptstraße 12 · 10115 Berlin
                """
            ),
        )
        customer = f"{self.owner.name}, {self.owner.domain}"
        _attach(
            msg, _invoice_pdf(number, customer, date), "application/pdf", f"Rechnung_{number}.pdf"
        )
        self.file("INBOX", msg, date, (SEEN, FLAGGED))

        sizes_from = self.crew[1]
        date = self.at(10, 14, 22)
        msg = self.compose(
            sizes_from,
            [self.owner],
            "Größentabelle für die Teamshirts",
            date,
            text=_text(
                f"""
                Hi {self.owner.first},

                hier die Übersicht der Größen vom Hersteller. Die Maßtabelle als Bild hängt
                auch dran, falls das PDF auf dem Handy nicht aufgeht.

                {sizes_from.first}
                """
            ),
        )
        _attach(msg, _sizes_pdf(), "application/pdf", "Übersicht Größen.pdf")
        _attach(msg, _chart_png(), "image/png", "Maßtabelle.png")
        self.file("INBOX", msg, date, (SEEN,))

        photographer = self.crew[0]
        date = self.at(5, 17, 48)
        msg = self.compose(
            photographer,
            [self.owner],
            "Fotos vom Teamausflug",
            date,
            text=_text(
                f"""
                Hallo {self.owner.first},

                hier wie versprochen das Gruppenfoto und der Screenshot von der Auswertung.
                Die restlichen Bilder lade ich in den gemeinsamen Ordner.

                LG {photographer.first}
                """
            ),
        )
        _attach(msg, _team_photo_jpeg(), "image/jpeg", "Teamfoto.jpg")
        _attach(msg, _chart_png(), "image/png", "Screenshot 2025-06-04 um 10.15.32.png")
        self.file("INBOX", msg, date, self.incoming_flags(date))

    def invitation_and_forward(self) -> None:
        organiser = self.crew[1]
        sent = self.at(1, 9, 5)
        start = (self.now + datetime.timedelta(days=5)).astimezone(BERLIN)
        start = start.replace(hour=10, minute=0, second=0, microsecond=0)
        end = start + datetime.timedelta(minutes=90)
        uid = f"{self.rng.getrandbits(64):016x}@{organiser.domain}"
        label = f"{start:%d.%m.%Y} {start:%H:%M}–{end:%H:%M}"
        ics = CRLF.join(
            [
                "BEGIN:VCALENDAR",
                "PRODID:-//DynaOffice//Demo Calendar//DE",
                "VERSION:2.0",
                "METHOD:REQUEST",
                "BEGIN:VEVENT",
                f"UID:{uid}",
                f"DTSTAMP:{sent.astimezone(UTC):%Y%m%dT%H%M%SZ}",
                f"DTSTART:{start.astimezone(UTC):%Y%m%dT%H%M%SZ}",
                f"DTEND:{end.astimezone(UTC):%Y%m%dT%H%M%SZ}",
                "SUMMARY:Quartalsreview",
                "LOCATION:Besprechungsraum „Elbe“\\, 2. OG",
                "DESCRIPTION:Agenda: Zahlen\\, Projekte\\, Ausblick. Bitte Folien bis zum",
                " Vortag schicken.",
                f"ORGANIZER;CN={organiser.name}:mailto:{organiser.address}",
                f"ATTENDEE;CN={self.owner.name};ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;",
                f" RSVP=TRUE:mailto:{self.owner.address}",
                "SEQUENCE:0",
                "STATUS:CONFIRMED",
                "END:VEVENT",
                "END:VCALENDAR",
                "",
            ]
        )
        msg = self.compose(
            organiser,
            [self.owner],
            f"Einladung: Quartalsreview @ {label} (MEZ)",
            sent,
            text=_text(
                f"""
                {organiser.name} hat Sie zu einem Termin eingeladen.

                Quartalsreview
                Wann: {label}
                Wo: Besprechungsraum „Elbe“, 2. OG

                Agenda: Zahlen, Projekte, Ausblick. Bitte Folien bis zum Vortag schicken.
                """
            ),
        )
        msg.add_alternative(ics, subtype="calendar", params={"method": "REQUEST"})
        _attach(msg, ics.encode(), "application/ics", "invite.ics")
        self.file("INBOX", msg, sent, self.incoming_flags(sent))

        kai = _Person("Kai Nørgaard", "kai@hosting.example.net")
        forwarder = self.crew[2] if len(self.crew) > 2 else self.crew[0]
        original_date = self.at(8, 8, 12)
        original = self.compose(
            kai,
            [forwarder],
            "Angebot Server-Wartung",
            original_date,
            text=_text(
                f"""
                Hallo {forwarder.first},

                wie gewünscht unser Angebot für die Wartung Ihrer zwei Server: monatlich
                190 € netto, inklusive Updates, Backup-Kontrolle und 4 Stunden Reaktionszeit.

                Viele Grüße
                Kai Nørgaard
                """
            ),
            # It reached the colleague's mailbox, not ours: no trace headers of our MX.
            trace=False,
        )
        _attach(
            original,
            _pdf("Angebot Server-Wartung", ["Monatlich 190,00 € netto", "Laufzeit 12 Monate"]),
            "application/pdf",
            "Angebot_Wartung.pdf",
        )
        date = self.at(6, 10, 40)
        msg = self.compose(
            forwarder,
            [self.owner],
            "WG: Angebot Server-Wartung",
            date,
            text=_text(
                f"""
                Hallo {self.owner.first},

                zur Info das Angebot von Kai, siehe angehängte Mail. Können wir das nächste
                Woche kurz besprechen?

                Gruß
                {forwarder.first}
                """
            ),
        )
        msg.add_attachment(original, filename="Angebot Server-Wartung.eml")
        self.file("INBOX", msg, date, (SEEN,))

    def sent_and_bounce(self) -> None:
        me = self.owner
        partner = _Person("Martina Kowalski", "m.kowalski@example.org")
        date = self.at(14, 15, 30)
        msg = self.compose(
            me,
            [partner],
            "Unterlagen für den Termin am Dienstag",
            date,
            bcc=[self.crew[0]],
            text=_text(
                f"""
                Hallo Frau Kowalski,

                wie besprochen anbei die Kurzfassung der Präsentation für Dienstag.
                Ich freue mich auf das Gespräch.

                Viele Grüße
                {me.name}
                """
            ),
        )
        _attach(
            msg,
            _pdf("Präsentation – Kurzfassung", ["1. Ausgangslage", "2. Vorschlag", "3. Kosten"]),
            "application/pdf",
            "Präsentation_Kurzfassung.pdf",
        )
        self.file("Sent", msg, date)

        typo = _Person("Martina Kowalski", "m.kowalsky@example.org")
        date = self.at(13, 9, 2)
        bounced = self.post(
            "Sent",
            me,
            [typo],
            "Rückfrage zu Ihrem Angebot",
            date,
            "Hallo Frau Kowalski,\n\ngilt Ihr Angebot auch für 30 Lizenzen?\n\nViele Grüße\n"
            + me.name,
        )
        self.bounce(bounced, date + datetime.timedelta(seconds=9))

    def bounce(self, original: _Posted, date: datetime.datetime) -> None:
        """A delivery status notification (multipart/report) for a Sent message."""
        boundary = f"dsn-{self.rng.getrandbits(48):012x}"
        recipient = original.recipients[0].address
        headers = original.msg.as_bytes().split(b"\r\n\r\n", 1)[0].decode("utf-8")
        raw = _raw(
            "Return-Path: <>",
            f"From: Mail Delivery System <MAILER-DAEMON@mx.{self.owner.domain}>",
            f"To: {self.owner.address}",
            "Subject: Undelivered Mail Returned to Sender",
            f"Date: {format_datetime(date)}",
            f"Message-ID: {_message_id(self.rng, 'mx.' + self.owner.domain)}",
            "Auto-Submitted: auto-replied",
            "MIME-Version: 1.0",
            f'Content-Type: multipart/report; report-type=delivery-status; boundary="{boundary}"',
            "",
            "This is a MIME-encapsulated message.",
            "",
            f"--{boundary}",
            "Content-Type: text/plain; charset=us-ascii",
            "",
            f"This is the mail system at host mx.{self.owner.domain}.",
            "",
            "I'm sorry to have to inform you that your message could not",
            "be delivered to one or more recipients.",
            "",
            f"<{recipient}>: host mx.example.org[192.0.2.25] said: 550 5.1.1",
            "    User unknown (in reply to RCPT TO command)",
            "",
            f"--{boundary}",
            "Content-Type: message/delivery-status",
            "",
            f"Reporting-MTA: dns; mx.{self.owner.domain}",
            f"Arrival-Date: {format_datetime(original.date)}",
            "",
            f"Final-Recipient: rfc822; {recipient}",
            "Action: failed",
            "Status: 5.1.1",
            "Remote-MTA: dns; mx.example.org",
            "Diagnostic-Code: smtp; 550 5.1.1 User unknown",
            "",
            f"--{boundary}",
            "Content-Type: text/rfc822-headers",
            "",
            headers,
            "",
            f"--{boundary}--",
        )
        self.file("INBOX", raw, date, (SEEN,))

    def drafts(self) -> None:
        me = self.owner
        flags = (SEEN, DRAFT)
        date = self.at(2, 17, 15)
        client = _Person("Dr. Henrike Vogt", "h.vogt@example.com")
        msg = self.compose(
            me,
            [client],
            "Angebot Schulung „Effizient mit E-Mail“",
            date,
            text=_text(
                """
                Sehr geehrte Frau Dr. Vogt,

                vielen Dank für Ihr Interesse an unserer Schulung. Gern biete ich Ihnen
                folgende Termine an:

                - [Termin 1]
                - [Termin 2]

                [Preise noch mit Vertrieb abstimmen!]
                """
            ),
        )
        self.file("Drafts", msg, date, flags)

        date = self.at(0, 8, 10)
        self.reply(
            "Drafts",
            self.zoe_question,
            me,
            _text(
                """
                Hi Zoë,

                the limit is per API key, but
                """
            ),
            date,
            "en",
            flags,
        )

        date = self.at(20, 21, 3)
        msg = self.compose(me, [], "", date, text="Notizen:\n- Reisekosten einreichen\n")
        self.file("Drafts", msg, date, flags)

    def trash(self) -> None:
        me = self.owner
        date = self.at(45, 6, 30)
        letter = _Newsletter(
            "Digital-Briefing",
            "#1f6feb",
            "briefing-alt",
            "Digital-Briefing: Die besten Tools für Remote-Teams",
            "Videokonferenz, Whiteboard, Chat – unsere Favoriten.",
            (
                (
                    "Fünf Tools im Vergleich",
                    "Welche Lösung passt zu welchem Team?",
                    "artikel/remote-tools",
                ),
            ),
        )
        sender = _Person("Digital-Briefing", "newsletter@news.example.com")
        self.file("Trash", self.newsletter(sender, letter, date), date)

        date = self.at(30, 10, 0)
        self.post("Trash", me, [me], "Test", date, "Test 123 – bitte ignorieren.")

        sven = _Person("Sven Öberg", "s.oeberg@example.com")
        date = self.at(22, 12, 1)
        self.post(
            "Trash",
            sven,
            [me],
            "Automatische Antwort: Projektplanung",
            date,
            "Vielen Dank für Ihre Nachricht. Ich bin bis einschließlich Freitag nicht im Büro "
            "und habe nur eingeschränkt Zugriff auf meine E-Mails.\n\n"
            "In dringenden Fällen wenden Sie sich bitte an zentrale@example.com.\n\n"
            "Sven Öberg",
            headers=(("Auto-Submitted", "auto-replied"), ("X-Auto-Response-Suppress", "All")),
        )

    def junk(self) -> None:
        me = self.owner
        spam_headers = (
            ("X-Spam-Flag", "YES"),
            ("X-Spam-Status", "Yes, score=9.8 required=5.0 tests=BAYES_99,HTML_MESSAGE,URIBL"),
        )
        bank = _Person("Sicherheitsteam Ihrer Bank", "security@secure-login.example.net")
        date = self.at(3, 2, 47)
        link = "http://secure-login.example.net/verify?id=8f3a1c"
        html = (
            '<html><body style="font-family:Arial">'
            '<img src="https://images.example.com/bank/logo.png" width="180" alt="Bank">'
            "<h2>Ihr Konto wurde vorübergehend eingeschränkt</h2>"
            "<p>Sehr geehrter Kunde,</p><p>wir haben ungewöhnliche Aktivitäten festgestellt. "
            "Bitte bestätigen Sie Ihre Identität innerhalb von 24 Stunden, sonst wird Ihr "
            "Konto gesperrt.</p>"
            f'<p><a href="{link}">https://www.example.com/banking/login</a></p>'
            '<img src="https://track.example.com/o/8f3a1c.gif" width="1" height="1" alt="">'
            "</body></html>"
        )
        text = (
            "Ihr Konto wurde vorübergehend eingeschränkt.\n\n"
            f"Bitte bestätigen Sie Ihre Identität: {link}\n"
        )
        msg = self.compose(
            bank,
            [me],
            "⚠️ Ihr Konto wurde eingeschränkt",
            date,
            text=text,
            html=html,
            headers=spam_headers,
        )
        self.file("Junk", msg, date, ())

        lottery = _Person("International Lottery Board", "claims@lottery.example.com", UTC)
        date = self.at(11, 23, 58)
        self.post(
            "Junk",
            lottery,
            [me],
            "CONGRATULATIONS!!! You have WON $1,500,000.00",
            date,
            "Dear Winner,\n\nYour e-mail address was selected in our annual draw. To claim "
            "your prize, reply with your full name, address and bank details.\n\n"
            "Yours faithfully,\nDr. James Williams\nClaims Department",
            (SEEN,),
            headers=spam_headers,
        )

    # -- deliberately broken mail ---------------------------------------------------------------

    def malformed(self) -> None:
        me = self.owner
        to = f"To: {me.address}"
        date = self.at(16, 11, 11)
        self.file(
            "INBOX",
            _raw(
                "From: Kundenservice <service@example.com>",
                to,
                "Subject: Ihre Anfrage #58213",
                f"Message-ID: {_message_id(self.rng, 'example.com')}",
                "MIME-Version: 1.0",
                "Content-Type: text/plain; charset=utf-8",
                "Content-Transfer-Encoding: 8bit",
                "",
                "Guten Tag,",
                "",
                "Ihre Anfrage ist eingegangen. Diese Nachricht hat keinen Date-Header.",
                "",
                "Ihr Kundenservice",
            ),
            date,
        )

        date = self.at(15, 7, 58)
        scanner_boundary = "scan-0001"
        self.file(
            "INBOX",
            _raw(
                f"From: Scanner 2. OG <scanner@{me.domain}>",
                to,
                "Subject: Scan vom Multifunktionsgerät",
                "Date: Dienstag, 31. Februar 2025 25:61:00 MEZ",
                f"Message-ID: <scan.{self.rng.getrandbits(32)}@scanner.{me.domain}>",
                "MIME-Version: 1.0",
                f'Content-Type: multipart/mixed; boundary="{scanner_boundary}"',
                "",
                f"--{scanner_boundary}",
                "Content-Type: text/plain; charset=utf-8",
                "",
                "Gescanntes Dokument im Anhang.",
                f"--{scanner_boundary}",
                'Content-Type: application/pdf; name="scan_0001.pdf"',
                "Content-Transfer-Encoding: base64",
                'Content-Disposition: attachment; filename="scan_0001.pdf"',
                "",
                _b64_lines(_pdf("Scan", ["(gescannte Seite)"])).rstrip(CRLF),
                f"--{scanner_boundary}--",
            ),
            date,
        )

        date = self.at(24, 20, 30)
        self.file("INBOX", self._unterminated_multipart(date), date)

        date = self.at(18, 13, 5)
        self.file("INBOX", self._bad_base64(date), date, ())

        date = self.at(35, 8, 0)
        self.file(
            "INBOX",
            _raw(
                "From: Hausverwaltung <verwaltung@example.org>",
                to,
                "Subject: Wartung Aufzug",
                f"Date: {format_datetime(date)}",
                f"Message-ID: {_message_id(self.rng, 'example.org')}",
                # No empty line: the body starts right after the last header.
                "Hallo zusammen, am Montag wird der Aufzug gewartet (8-12 Uhr).",
                "Bitte die Treppe benutzen. Danke!",
            ),
            date,
        )

        date = self.at(29, 14, 14)
        self.file("INBOX", self._overlong_header(date), date)

        date = self.at(6, 4, 4)
        self.file(
            "Junk",
            _raw(
                "From: Pharmacy <sales@pharma.example.com>",
                to,
                "Subject: Best prices online",
                f"Date: {format_datetime(date)}",
                f"Message-ID: {_message_id(self.rng, 'pharma.example.com')}",
                "MIME-Version: 1.0",
                'Content-Type: text/plain; charset="x-unknown"',
                "Content-Transfer-Encoding: 8bit",
                "",
                b"Cheap meds \xa4\xa4 best prices \xfe\xff no prescription.",
            ),
            date,
            (),
        )

        date = self.at(9, 3, 33)
        self.file(
            "Junk",
            _raw(
                "From: Gewinnspiel <info@gewinn.example.net>",
                to,
                # Undeclared 8-bit Latin-1 in a header, a classic of old mailers.
                b"Subject: Gl\xfcckwunsch! Sie haben gewonnen \x96 jetzt einl\xf6sen",
                f"Date: {format_datetime(date)}",
                f"Message-ID: {_message_id(self.rng, 'gewinn.example.net')}",
                "MIME-Version: 1.0",
                "Content-Type: text/plain; charset=utf-8",
                "Content-Transfer-Encoding: 8bit",
                "",
                # Latin-1 bytes although the part claims UTF-8.
                b"Gr\xfc\xdfe! Ihr Gewinn von 500 \x80 wartet. Einl\xf6sen bis Sonntag.",
            ),
            date,
        )

    def _unterminated_multipart(self, date: datetime.datetime) -> bytes:
        me = self.owner
        photographer = self.crew[0]
        boundary = "----=_Part_4711_1234567890"
        photo = _b64_lines(_team_photo_jpeg()).split(CRLF)
        return _raw(
            f"From: {photographer.name} <{photographer.address}>",
            f"To: {me.address}",
            "Subject: Fotos vom Sommerfest (Teil 1)",
            f"Date: {format_datetime(date)}",
            f"Message-ID: {_message_id(self.rng, photographer.domain)}",
            "MIME-Version: 1.0",
            f'Content-Type: multipart/mixed; boundary="{boundary}"',
            "",
            f"--{boundary}",
            "Content-Type: text/plain; charset=utf-8",
            "Content-Transfer-Encoding: 8bit",
            "",
            "Hier die ersten Fotos – die Verbindung ist gerade wackelig.",
            "",
            f"--{boundary}",
            'Content-Type: image/jpeg; name="sommerfest_01.jpg"',
            "Content-Transfer-Encoding: base64",
            'Content-Disposition: attachment; filename="sommerfest_01.jpg"',
            "",
            # Cut off mid-attachment and the closing boundary never comes.
            *photo[: len(photo) // 2],
        )

    def _bad_base64(self, date: datetime.datetime) -> bytes:
        me = self.owner
        boundary = "b1_badbase64"
        return _raw(
            "From: Vertrieb <vertrieb@example.com>",
            f"To: {me.address}",
            "Subject: Vertrag_final_v3.pdf",
            f"Date: {format_datetime(date)}",
            f"Message-ID: {_message_id(self.rng, 'example.com')}",
            "MIME-Version: 1.0",
            f"Content-Type: multipart/mixed; boundary={boundary}",
            "",
            f"--{boundary}",
            "Content-Type: text/plain; charset=utf-8",
            "",
            "Anbei der finale Vertrag.",
            f"--{boundary}",
            'Content-Type: application/pdf; name="Vertrag_final_v3.pdf"',
            "Content-Transfer-Encoding: base64",
            'Content-Disposition: attachment; filename="Vertrag_final_v3.pdf"',
            "",
            "JVBERi0xLjQKJeLjz9MKMSAwIG9iago8PCAvVHlwZSAv!!Q2F0YWxvZy***",
            "ÄÖÜ not base64 at all ~~~ @@@",
            "QUJD=",
            "RE=VG",
            f"--{boundary}--",
        )

    def _overlong_header(self, date: datetime.datetime) -> bytes:
        sender = _Person("Event-Team", "events@example.com")
        references = " ".join(_message_id(self.rng, "example.com") for _ in range(45))
        subject = "Einladung zur Jahreskonferenz " + " | ".join(
            f"Programmpunkt {n}: Vortrag und Diskussion" for n in range(1, 40)
        )
        return _raw(
            f"From: {sender.name} <{sender.address}>",
            f"To: {self.owner.address}",
            # Both lines exceed RFC 5322's 998 character limit and are not folded.
            f"Subject: {subject}",
            f"References: {references}",
            f"X-Campaign-Data: {'a1b2c3d4' * 260}",
            f"Date: {format_datetime(date)}",
            f"Message-ID: {_message_id(self.rng, 'example.com')}",
            "MIME-Version: 1.0",
            "Content-Type: text/plain; charset=utf-8",
            "",
            "Programm siehe Betreff.",
        )

    def archive(self) -> None:
        shop = _Person("Bürobedarf Example", "bestellung@shop.example.com")
        date = self.at(52, 12, 12)
        html = (
            '<html><body style="font-family:Arial,sans-serif">'
            '<img src="https://images.example.com/shop/logo.png" width="160" alt="Shop">'
            "<h2>Ihre Bestellung 302-5521 wurde versandt</h2>"
            '<table border="1" cellpadding="6" style="border-collapse:collapse">'
            "<tr><th>Artikel</th><th>Menge</th><th>Preis</th></tr>"
            "<tr><td>Kopierpapier A4, 500 Blatt</td><td>10</td><td>42,90 €</td></tr>"
            "<tr><td>Kugelschreiber blau</td><td>50</td><td>19,50 €</td></tr>"
            "</table>"
            '<p><a href="https://www.example.com/track/302-5521">Sendung verfolgen</a></p>'
            "</body></html>"
        )
        text = (
            "Ihre Bestellung 302-5521 wurde versandt.\n\n"
            "Kopierpapier A4, 500 Blatt   10   42,90 €\n"
            "Kugelschreiber blau          50   19,50 €\n\n"
            "Sendung verfolgen: https://www.example.com/track/302-5521\n"
        )
        msg = self.compose(
            shop,
            [self.owner],
            "Ihre Bestellung 302-5521 wurde versandt",
            date,
            text=text,
            html=html,
        )
        self.file("Archive", msg, date)

        organiser = _Person("Konferenzbüro Digital Office", "team@konferenz.example.org")
        date = self.at(61, 9, 45)
        self.post(
            "Archive",
            organiser,
            [self.owner],
            "Zugangsdaten für die Konferenz „Digital Office“",
            date,
            _text(
                f"""
                Guten Tag {self.owner.name},

                vielen Dank für Ihre Anmeldung. Ihre Zugangsdaten für den Livestream:

                Benutzer: {self.owner.address}
                Zugangscode: DO-{self.rng.randint(100000, 999999)}

                Wir freuen uns auf Sie!
                Ihr Konferenzbüro
                """
            ),
            (SEEN, FLAGGED),
        )


def _aware_now(now: datetime.datetime | None) -> datetime.datetime:
    if now is None:
        return datetime.datetime.now(UTC).replace(microsecond=0)
    return now if now.tzinfo is not None else now.replace(tzinfo=UTC)


def demo_messages(
    owner_address: str,
    owner_name: str,
    colleagues: list[tuple[str, str]],
    *,
    seed: int = 1,
    now: datetime.datetime | None = None,
) -> list[SeedMessage]:
    """The hand-shaped part of one demo mailbox (roughly 40-80 messages)."""
    owner = _Person(owner_name, owner_address)
    others = [_Person(name, address) for address, name in colleagues if address != owner_address]
    return _DemoMailbox(owner, others, seed, _aware_now(now)).build()


# --------------------------------------------------------------------------------------------
# Bulk filler
# --------------------------------------------------------------------------------------------

# fmt: off
_FIRST_NAMES = (
    "Anna", "Ben", "Clara", "David", "Elif", "Felix", "Greta", "Hannes", "Ida", "Jan", "Katrin",
    "Lukas", "Marie", "Niklas", "Olga", "Paul", "Rosa", "Stefan", "Tanja", "Uwe", "Vera", "Wiebke",
    "Yusuf", "Zoë", "Jürgen", "Björn", "Søren", "Małgorzata", "José", "Chloé", "Emily", "James",
    "Priya", "Hiroshi", "Ngozi", "Oliver", "Sarah", "Michael", "Laura",
)
_LAST_NAMES = (
    "Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz",
    "Hoffmann", "Schäfer", "Koch", "Bauer", "Richter", "Klein", "Wolf", "Schröder", "Neumann",
    "Zimmermann", "Krüger", "Hartmann", "Lange", "Nowak", "Jensen", "García", "Dubois", "Smith",
    "Johnson", "Brown", "Tanaka", "Okafor", "Patel", "Nguyen", "O'Brien",
)
_BULK_DOMAINS = (
    "example.com", "example.org", "example.net", "mail.example.com", "kunde.example.org",
    "partner.example.net", "shop.example.com", "news.example.org",
)
# fmt: on
_BULK_ZONES = tuple(
    datetime.timezone(datetime.timedelta(hours=h)) for h in (1, 1, 1, 2, 2, 0, -5, -8, 8, 9)
)
_SUBJECTS_DE = (
    "Rechnung {n}",
    "Ihre Bestellung {n} ist unterwegs",
    "Termin am {day}",
    "Protokoll vom {day}",
    "Rückfrage zum Angebot {n}",
    "Kurze Info: Büro geschlossen am {day}",
    "Reisekosten {month}",
    "Erinnerung: Zahlung fällig",
    "Neue Preisliste {year}",
    "Einladung: Teammeeting {day}",
    "Änderung der Öffnungszeiten",
    "Lieferschein {n}",
    "Übergabe Projekt {word}",
    "Grüße aus {city}",
    "Wochenbericht KW {week}",
    "Bewerbung als {job}",
)
_SUBJECTS_EN = (
    "Invoice #{n}",
    "Your order {n} has shipped",
    "Meeting notes {day}",
    "Quick question",
    "Reminder: payment due",
    "Welcome to {word}!",
    "Weekly report – week {week}",
    "Your subscription renews soon",
    "Follow-up on our call",
    "Project {word}: status update",
    "Security alert for your account",
    "Lunch on {day}?",
)
_WORDS = ("Phoenix", "Nordlicht", "Atlas", "Kranich", "Horizon", "Wellenbrecher", "Löwenzahn")
_CITIES = ("München", "Köln", "Zürich", "Wien", "Hamburg", "Kraków", "Malmö", "Lisboa")
_JOBS = ("Bürokauffrau", "Entwickler (m/w/d)", "Projektleiterin", "Werkstudent")
_DAYS = ("Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag")
# fmt: off
_MONTHS_DE = (
    "Januar", "Februar", "März", "April", "Mai", "Juni", "Juli", "August", "September", "Oktober",
    "November", "Dezember",
)
# fmt: on
_SENTENCES_DE = (
    "Vielen Dank für die schnelle Rückmeldung.",
    "Anbei finden Sie die gewünschten Unterlagen.",
    "Bitte prüfen Sie die Angaben und geben Sie mir bis Ende der Woche Bescheid.",
    "Der Termin wurde auf nächste Woche verschoben.",
    "Die Lieferung erfolgt voraussichtlich in drei bis fünf Werktagen.",
    "Für Rückfragen stehe ich Ihnen gerne zur Verfügung.",
    "Wir haben die Änderungen übernommen und die Datei aktualisiert.",
    "Leider gab es bei der Übertragung einen Fehler, deshalb schicke ich alles noch einmal.",
    "Die Besprechung findet im großen Konferenzraum statt.",
    "Könnten Sie mir die Zugangsdaten noch einmal schicken?",
    "Der Betrag wird in den nächsten Tagen überwiesen.",
    "Ich bin ab Montag wieder im Büro und melde mich dann ausführlich.",
    "Grundsätzlich spricht nichts dagegen, wir müssen nur das Budget klären.",
    "Das Protokoll der letzten Sitzung hängt an.",
)
_SENTENCES_EN = (
    "Thanks for getting back to me so quickly.",
    "Please find the requested documents attached.",
    "Could you review the numbers and let me know by Friday?",
    "The meeting has been moved to next week.",
    "Delivery usually takes three to five business days.",
    "Let me know if you have any questions.",
    "We've incorporated your feedback and updated the draft.",
    "Unfortunately the upload failed, so I'm sending everything again.",
    "I'll be back in the office on Monday and will follow up then.",
    "In principle that works for us, we just need to confirm the budget.",
    "The minutes of our last call are attached.",
)


class _BulkParts:
    """Everything that is expensive to build, made once per bulk_messages() call."""

    def __init__(self, rng: random.Random, owner_address: str) -> None:
        owner_domain = owner_address.rpartition("@")[2]
        self.senders = []
        for _ in range(160):
            first, last = rng.choice(_FIRST_NAMES), rng.choice(_LAST_NAMES)
            domain = owner_domain if rng.random() < 0.15 else rng.choice(_BULK_DOMAINS)
            local = f"{first}.{last}".lower().translate(_ASCII_FOLD)
            address = f"{local}@{domain}"
            self.senders.append(
                (formataddr((f"{first} {last}", address), "utf-8"), domain, rng.choice(_BULK_ZONES))
            )
        self.paragraphs = {
            "de": [self._paragraph(rng, _SENTENCES_DE) for _ in range(40)],
            "en": [self._paragraph(rng, _SENTENCES_EN) for _ in range(40)],
        }
        self.attachments = [
            # (content type, file name pattern, base64 body)
            ("image/png", "Diagramm_{n}.png", _b64_lines(_chart_png())),
            ("image/jpeg", "Foto_{n}.jpg", _b64_lines(_team_photo_jpeg())),
            (
                "application/pdf",
                "Rechnung_{n}.pdf",
                _b64_lines(_invoice_pdf("2024-0815", "Demo", datetime.datetime(2024, 5, 2))),
            ),
            (
                "application/pdf",
                "Bericht_{n}.pdf",
                _b64_lines(_pdf("Monatsbericht", _SENTENCES_DE * 3, pages=12)),
            ),
            ("image/png", "Scan_{n}.png", _b64_lines(_noise_png(rng, 200, 150))),
        ]

    @staticmethod
    def _paragraph(rng: random.Random, sentences: Sequence[str]) -> str:
        text = " ".join(rng.sample(sentences, rng.randint(2, 5)))
        return CRLF.join(textwrap.wrap(text, 72))


_ASCII_FOLD = str.maketrans(
    {
        "ä": "ae",
        "ö": "oe",
        "ü": "ue",
        "ß": "ss",
        "ø": "o",
        "é": "e",
        "ë": "e",
        "ł": "l",
        "í": "i",
        "ç": "c",
        "'": "",
    }
)


def _encode_header(value: str) -> str:
    if value.isascii():
        return value
    return Header(value, "utf-8", header_name="Subject").encode(linesep=CRLF)


def _bulk_subject(rng: random.Random, lang: str, date: datetime.datetime) -> str:
    template = rng.choice(_SUBJECTS_DE if lang == "de" else _SUBJECTS_EN)
    return template.format(
        n=rng.randint(1000, 99999),
        day=rng.choice(_DAYS) if lang == "de" else f"{date:%Y-%m-%d}",
        month=_MONTHS_DE[date.month - 1],
        year=date.year,
        week=date.isocalendar()[1],
        word=rng.choice(_WORDS),
        city=rng.choice(_CITIES),
        job=rng.choice(_JOBS),
    )


def _bulk_body(rng: random.Random, parts: _BulkParts, lang: str) -> str:
    # Mostly short mails, now and then a long report, to vary message sizes.
    count = rng.randint(20, 40) if rng.random() < 0.02 else rng.randint(1, 6)
    greeting = "Hallo," if lang == "de" else "Hi,"
    closing = "Viele Grüße" if lang == "de" else "Best regards"
    body = (CRLF + CRLF).join(rng.choices(parts.paragraphs[lang], k=count))
    return f"{greeting}{CRLF}{CRLF}{body}{CRLF}{CRLF}{closing}{CRLF}"


def _bulk_html(text: str) -> str:
    paragraphs = "".join(
        f"<p>{block.replace(CRLF, ' ')}</p>{CRLF}" for block in text.split(CRLF + CRLF)
    )
    return (
        f"<html><head><style>p {{ font-family: Arial; font-size: 14px; }}</style></head>{CRLF}"
        f"<body>{CRLF}{paragraphs}</body></html>{CRLF}"
    )


def _bulk_content(rng: random.Random, parts: _BulkParts, lang: str, n: int) -> list[str]:
    """MIME headers and body of one bulk message, as lines (no trailing CRLF)."""
    text = _bulk_body(rng, parts, lang)
    plain = ["Content-Type: text/plain; charset=utf-8", "Content-Transfer-Encoding: 8bit", "", text]
    roll = rng.random()
    if roll < 0.7:
        return plain
    boundary = f"=_bulk_{n}_{rng.getrandbits(32):08x}"
    if roll < 0.85:
        html = _bulk_html(text)
        return [
            f'Content-Type: multipart/alternative; boundary="{boundary}"',
            "",
            f"--{boundary}",
            *plain,
            f"--{boundary}",
            "Content-Type: text/html; charset=utf-8",
            "Content-Transfer-Encoding: 8bit",
            "",
            html,
            f"--{boundary}--",
        ]
    mime_type, name, payload = rng.choice(parts.attachments)
    filename = name.format(n=n)
    return [
        f'Content-Type: multipart/mixed; boundary="{boundary}"',
        "",
        f"--{boundary}",
        *plain,
        f"--{boundary}",
        f'Content-Type: {mime_type}; name="{filename}"',
        "Content-Transfer-Encoding: base64",
        f'Content-Disposition: attachment; filename="{filename}"',
        "",
        payload.rstrip(CRLF),
        f"--{boundary}--",
    ]


def _bulk_flags(rng: random.Random, recent: bool) -> frozenset[str]:
    flags = set()
    if rng.random() > (0.4 if recent else 0.08):
        flags.add(SEEN)
        if rng.random() < 0.06:
            flags.add(ANSWERED)
    if rng.random() < 0.02:
        flags.add(FLAGGED)
    return frozenset(flags)


def bulk_messages(
    count: int,
    *,
    owner_address: str,
    seed: int = 2,
    now: datetime.datetime | None = None,
) -> Iterator[SeedMessage]:
    """`count` varied but cheap messages for a big folder ("Archive/Bulk"), generated lazily.

    Raw bytes are assembled by hand instead of via EmailMessage: that is about ten times
    faster, which matters for tens of thousands of messages.
    """
    now = _aware_now(now)
    rng = random.Random(f"bulk|{seed}|{owner_address}")
    parts = _BulkParts(rng, owner_address)
    span = datetime.timedelta(days=5 * 365)
    start = now - span - datetime.timedelta(days=1)
    recent_threads: deque[tuple[str, str, str]] = deque(maxlen=25)
    for n in range(count):
        sender, domain, zone = rng.choice(parts.senders)
        date = (start + span * ((n + rng.random()) / max(count, 1))).astimezone(zone)
        date = date.replace(microsecond=0)
        lang = "de" if rng.random() < 0.6 else "en"
        message_id = f"<bulk.{n}.{rng.getrandbits(40):010x}@{domain}>"
        threading: list[str] = []
        if recent_threads and rng.random() < 0.1:
            parent_id, parent_refs, parent_subject = rng.choice(recent_threads)
            subject = _reply_subject(parent_subject, lang)
            references = f"{parent_refs} {parent_id}".strip()
            threading = [f"In-Reply-To: {parent_id}", f"References: {references}"]
        else:
            subject, references = _bulk_subject(rng, lang, date), ""
        recent_threads.append((message_id, references, subject))
        lines = [
            f"From: {sender}",
            f"To: {owner_address}",
            f"Subject: {_encode_header(subject)}",
            f"Date: {format_datetime(date)}",
            f"Message-ID: {message_id}",
            *threading,
            "MIME-Version: 1.0",
            *_bulk_content(rng, parts, lang, n),
        ]
        raw = (CRLF.join(lines) + CRLF).encode("utf-8")
        recent = now - date < datetime.timedelta(days=30)
        yield SeedMessage(BULK_FOLDER, raw, _bulk_flags(rng, recent), date)


if __name__ == "__main__":
    import pathlib
    import sys

    target = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else "demo-mail")
    target.mkdir(parents=True, exist_ok=True)
    sample = demo_messages(
        "anna.schmidt@demo.example.com",
        "Anna Schmidt",
        [
            ("jonas.becker@demo.example.com", "Jonas Becker"),
            ("mei.lin@demo.example.com", "Mei Lin"),
            ("lukas.oezdemir@demo.example.com", "Lukas Özdemir"),
        ],
    )
    for index, message in enumerate(sample):
        name = f"{index:03d}_{message.folder.replace('/', '_')}.eml"
        (target / name).write_bytes(message.raw)
    print(f"wrote {len(sample)} messages to {target}")
