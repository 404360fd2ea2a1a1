"""Read an EDGAR filing as text: the submission envelope, its documents, HTML to plain text.

Every shape EDGAR serves or archives is accepted (clause L5):

* a full ``.txt`` submission (``<SEC-DOCUMENT>`` with an ``<SEC-HEADER>`` of
  ``KEY: value`` lines), optionally inside a ``-----BEGIN PRIVACY-ENHANCED MESSAGE-----``
  envelope, and the 1993-1996 ``<IMS-DOCUMENT>``/``<IMS-HEADER>`` variant;
* a dissemination ``.nc`` file (``<SUBMISSION>`` with ``<TAG>value`` header lines);
* a single ``<DOCUMENT>`` block (``<TYPE>``, ``<FILENAME>``, ``<TEXT>``);
* a bare primary document: an HTML or inline-XBRL page, or plain text.

Line endings are normalised (CR-only files exist). Uuencoded attachments
(``begin 644 name`` ... ``end``) are never fed to the HTML parser: the standard
library's parser raises ``AssertionError`` on the ``<![`` they may contain, so the
documents are split first and only text documents are converted (SOURCES.md, sec_ipo).

HTML to text uses the standard library's ``html.parser`` (docs/decisions/0001): block
elements and table cells end a line, ``display:none`` content and the hidden inline-XBRL
header (``<ix:header>``) are left out, entities are decoded.
"""

import datetime as dt
import re
from dataclasses import dataclass, field
from html.parser import HTMLParser

from lead411.leads.sources.edgar.parsers import EdgarParseError, pad_cik

# Header lines of a .txt submission: "ACCESSION NUMBER:\t\t0000950144-94-000277".
_HEADER_LINE_RE = re.compile(r"^\s*([A-Z][A-Z0-9 \-]*?):[ \t]*(.*?)\s*$", re.MULTILINE)
# Header lines of a .nc dissemination file: "<ACCESSION-NUMBER>0001493152-25-001317".
_TAG_LINE_RE = re.compile(r"^<([A-Z][A-Z0-9\-]*)>([^<\n]+)$", re.MULTILINE)
# The first filer's BUSINESS ADDRESS block of a text header: it ends at a blank line or
# the MAIL ADDRESS block.
_TEXT_ADDRESS_RE = re.compile(
    r"BUSINESS ADDRESS:[ \t]*\n(.*?)(?:\n[ \t]*\n|\n[ \t]*MAIL ADDRESS:|\Z)", re.DOTALL
)
_TAG_ADDRESS_RE = re.compile(r"<BUSINESS-ADDRESS>(.*?)</BUSINESS-ADDRESS>", re.DOTALL)
_DOCUMENT_RE = re.compile(r"<DOCUMENT>(.*?)(?:</DOCUMENT>|\Z)", re.DOTALL | re.IGNORECASE)
_DOC_FIELD_RE = re.compile(r"^<(TYPE|SEQUENCE|FILENAME|DESCRIPTION)>([^\n<]*)", re.MULTILINE)
_TEXT_RE = re.compile(r"<TEXT>(.*?)(?:</TEXT>|\Z)", re.DOTALL | re.IGNORECASE)
_UUENCODED_RE = re.compile(r"^\s*begin [0-7]{3} \S", re.MULTILINE)
_HTML_RE = re.compile(r"<(html|body|div|p|font|table|br)\b", re.IGNORECASE)
_HIDDEN_STYLE_RE = re.compile(r"display\s*:\s*none", re.IGNORECASE)

# Elements after which a line ends in the text rendering.
_BLOCK_TAGS = frozenset(
    {
        "address", "article", "blockquote", "br", "caption", "center", "dd", "div", "dl",
        "dt", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "li", "ol", "p", "pre", "section",
        "table", "td", "th", "tr", "ul", "page",
    }
)  # fmt: skip
_SKIP_TAGS = frozenset({"script", "style", "head", "title", "ix:header"})
_VOID_TAGS = frozenset({"br", "hr", "img", "meta", "link", "input", "col", "area", "base", "wbr"})


@dataclass(frozen=True)
class FilingDocument:
    """One ``<DOCUMENT>`` of a submission (or the whole file when it has none).

    ``doc_type`` is EDGAR's ``<TYPE>`` ("8-K", "EX-99.1", "GRAPHIC"); empty for a bare
    page. ``body`` is the raw ``<TEXT>`` content (HTML or plain text), undecoded markup.
    """

    doc_type: str
    filename: str
    description: str
    body: str

    @property
    def is_html(self) -> bool:
        """True when the body is markup (HTML, XHTML, inline XBRL)."""
        return bool(_HTML_RE.search(self.body[:5000]))

    @property
    def is_binary(self) -> bool:
        """True for a uuencoded attachment (image, zip, spreadsheet, PDF)."""
        return bool(_UUENCODED_RE.match(self.body[:200]))

    def text(self) -> str:
        """Return the document as plain text, one paragraph or table cell per line."""
        if self.is_binary:
            return ""
        return html_to_text(self.body) if self.is_html else plain_text(self.body)


@dataclass(frozen=True)
class Submission:
    """A filing read from any EDGAR shape: what its header says and its documents.

    Header fields are empty (or ``None``) when the file has no SEC header (a single
    ``<DOCUMENT>`` or a bare page). ``cik`` is 10 digits, zero-padded. ``items`` are the
    8-K item numbers the header lists (``.nc`` files, 1994 ``ITEM INFORMATION: 2``);
    newer ``.txt`` headers list item titles, kept in ``item_titles``.
    """

    accession: str = ""
    form_type: str = ""
    filed_on: dt.date | None = None
    period: dt.date | None = None
    cik: str = ""
    company_name: str = ""
    state_of_incorporation: str = ""
    sic: str = ""
    file_number: str = ""
    items: tuple[str, ...] = ()
    item_titles: tuple[str, ...] = ()
    documents: tuple[FilingDocument, ...] = field(default=())
    # The filer's business address in the header: city as printed, state as an EDGAR code.
    business_city: str = ""
    business_state: str = ""
    # Its street lines joined with ", " and its ZIP code, as printed.
    business_street: str = ""
    business_zip: str = ""

    def primary(self) -> FilingDocument:
        """Return the primary document: the first whose type is the form type, else the first.

        Raises EdgarParseError when the submission holds no text document.
        """
        texts = [d for d in self.documents if not d.is_binary]
        if not texts:
            raise EdgarParseError("no text document in the filing")
        wanted = self.form_type.upper()
        for document in texts:
            if wanted and document.doc_type.upper() == wanted:
                return document
        return texts[0]


def decode(data: bytes) -> str:
    """Return ``data`` as text with ``\\n`` line ends.

    EDGAR documents are ASCII with entities in practice; UTF-8 is tried first, then
    Windows-1252 (old filings, Word exports), then Latin-1, which cannot fail. A NUL
    byte means a binary file, not a filing: EdgarParseError.
    """
    if b"\x00" in data[:4096]:
        raise EdgarParseError("a binary file, not a filing (NUL bytes)")
    for encoding in ("utf-8", "cp1252"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        text = data.decode("latin-1")
    return text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")


def _date(value: str) -> dt.date | None:
    try:
        return dt.datetime.strptime(value.strip()[:8], "%Y%m%d").date()
    except ValueError:
        return None


def read_submission(data: bytes) -> Submission:
    """Split a filing in any EDGAR shape into header fields and documents.

    Raises EdgarParseError for an empty or binary file. Anything else is read: a page
    that is not a filing becomes one bare document, which the 8-K and IPO parsers then
    reject with their own reason.
    """
    text = decode(data)
    if not text.strip():
        raise EdgarParseError("empty document")
    head_end = re.search(r"<DOCUMENT>", text, re.IGNORECASE)
    header = text[: head_end.start()] if head_end else ""
    blocks = _DOCUMENT_RE.findall(text) if head_end else []
    documents = tuple(_document(block) for block in blocks)
    if not documents:
        # A bare primary document; a leading blank line before <?xml is common.
        documents = (FilingDocument(doc_type="", filename="", description="", body=text.strip()),)
    if re.search(r"<(SEC|IMS)-HEADER>", header):
        return _from_text_header(header, documents)
    if header.lstrip().startswith("<SUBMISSION>"):
        return _from_tag_header(header, documents)
    only = documents[0]
    return Submission(form_type=only.doc_type, documents=documents)


def _document(block: str) -> FilingDocument:
    fields = {key: value.strip() for key, value in _DOC_FIELD_RE.findall(block)}
    body = _TEXT_RE.search(block)
    return FilingDocument(
        doc_type=fields.get("TYPE", ""),
        filename=fields.get("FILENAME", ""),
        description=fields.get("DESCRIPTION", ""),
        body=(body.group(1) if body else block).strip("\n"),
    )


def _from_text_header(header: str, documents: tuple[FilingDocument, ...]) -> Submission:
    values: dict[str, list[str]] = {}
    for key, value in _HEADER_LINE_RE.findall(header):
        values.setdefault(key.strip(), []).append(value)

    def first(key: str) -> str:
        return values.get(key, [""])[0]

    address = _business_address(_TEXT_ADDRESS_RE, _HEADER_LINE_RE, header)
    item_info = values.get("ITEM INFORMATION", [])
    # 1994-2004 headers give the item number ("2"), later ones the item title.
    items = tuple(v for v in item_info if re.fullmatch(r"\d+(\.\d+)?", v))
    cik = first("CENTRAL INDEX KEY")
    # "STANDARD INDUSTRIAL CLASSIFICATION:	PHARMACEUTICAL PREPARATIONS [2834]", or the bare
    # code in older headers ("STANDARD INDUSTRIAL CLASSIFICATION:	4833").
    sic = re.search(r"\[(\d{4})\]$|^(\d{4})$", first("STANDARD INDUSTRIAL CLASSIFICATION"))
    return Submission(
        accession=first("ACCESSION NUMBER"),
        form_type=first("CONFORMED SUBMISSION TYPE"),
        filed_on=_date(first("FILED AS OF DATE")),
        period=_date(first("CONFORMED PERIOD OF REPORT")),
        cik=pad_cik(cik) if cik.isdigit() else "",
        company_name=first("COMPANY CONFORMED NAME"),
        state_of_incorporation=first("STATE OF INCORPORATION"),
        sic=(sic.group(1) or sic.group(2)) if sic else "",
        file_number=first("SEC FILE NUMBER"),
        items=items,
        item_titles=tuple(v for v in item_info if v not in items),
        documents=documents,
        business_city=address.get("CITY", ""),
        business_state=address.get("STATE", ""),
        business_street=_street(address.get("STREET 1", ""), address.get("STREET 2", "")),
        business_zip=address.get("ZIP", ""),
    )


def _business_address(
    block_re: re.Pattern[str], line_re: re.Pattern[str], header: str
) -> dict[str, str]:
    """Return the lines of the header's first BUSINESS ADDRESS by key ("CITY", "STATE",
    "ZIP", "STREET 1" or "STREET1"); empty when absent."""
    block = block_re.search(header)
    found = line_re.findall(block.group(1)) if block else []
    return {key.strip(): value.strip() for key, value in found}


def _street(*lines: str) -> str:
    return ", ".join(line for line in lines if line)


def _from_tag_header(header: str, documents: tuple[FilingDocument, ...]) -> Submission:
    values: dict[str, list[str]] = {}
    for key, value in _TAG_LINE_RE.findall(header):
        values.setdefault(key, []).append(value.strip())

    def first(key: str) -> str:
        return values.get(key, [""])[0]

    cik = first("CIK")
    address = _business_address(_TAG_ADDRESS_RE, _TAG_LINE_RE, header)
    return Submission(
        accession=first("ACCESSION-NUMBER"),
        form_type=first("TYPE"),
        filed_on=_date(first("FILING-DATE")),
        period=_date(first("PERIOD")),
        cik=pad_cik(cik) if cik.isdigit() else "",
        company_name=first("CONFORMED-NAME"),
        state_of_incorporation=first("STATE-OF-INCORPORATION"),
        sic=first("ASSIGNED-SIC"),
        file_number=first("FILE-NUMBER"),
        items=tuple(values.get("ITEMS", [])),
        documents=documents,
        business_city=address.get("CITY", ""),
        business_state=address.get("STATE", ""),
        business_street=_street(address.get("STREET1", ""), address.get("STREET2", "")),
        business_zip=address.get("ZIP", ""),
    )


class _TextExtractor(HTMLParser):
    """Collect the visible text of an HTML page; block ends become line breaks."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        # Open elements whose content is hidden, as a stack of tag names.
        self._hidden: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _VOID_TAGS:
            if tag in _BLOCK_TAGS:
                self.parts.append("\n")
            return
        style = dict(attrs).get("style") or ""
        if self._hidden or tag in _SKIP_TAGS or _HIDDEN_STYLE_RE.search(style):
            self._hidden.append(tag)
            return
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCK_TAGS and not self._hidden:
            self.parts.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if self._hidden:
            if tag in self._hidden:
                # Close up to the matching element: unclosed children go with it.
                while self._hidden and self._hidden.pop() != tag:
                    pass
            return
        if tag in _BLOCK_TAGS:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        # A line break inside HTML text is a space; only block ends break lines.
        if not self._hidden:
            self.parts.append(data.replace("\n", " "))


def html_to_text(markup: str) -> str:
    """Return the visible text of an HTML/iXBRL document: one block per line, spaces folded.

    Non-breaking spaces become spaces; blank lines are dropped.
    """
    extractor = _TextExtractor()
    extractor.feed(markup)
    extractor.close()
    return _fold("".join(extractor.parts))


def plain_text(body: str) -> str:
    """Return a plain-text document without its SGML page marks, spaces folded.

    ``<PAGE>`` marks and the 1990s ``- -`` dash escaping at line starts are removed;
    paragraphs (blank-line separated, or starting at a page mark or an ``ITEM n``
    heading) are joined onto one line each, so a sentence wrapped at 70 columns reads
    as one.
    """
    # A page mark ends a paragraph; so does an item heading typed right under it.
    body = re.sub(r"^<PAGE>.*$", "\n", body, flags=re.MULTILINE | re.IGNORECASE)
    body = re.sub(r"</?(?:PRE|TABLE|CAPTION|S|C|FN)>", "", body, flags=re.IGNORECASE)
    body = re.sub(r"^(?=\s*ITEM\s+\d)", "\n", body, flags=re.MULTILINE | re.IGNORECASE)
    body = re.sub(r"^- (?=-)", "", body, flags=re.MULTILINE)
    paragraphs = re.split(r"\n\s*\n", body)
    return _fold("\n".join(" ".join(p.split("\n")) for p in paragraphs))


def _fold(text: str) -> str:
    # Zero-width spaces pad table cells in Workiva and Toppan Merrill documents.
    text = text.replace("\u200b", "").replace("\xa0", " ")
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return "\n".join(line for line in lines if line)
