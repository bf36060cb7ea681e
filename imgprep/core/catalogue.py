"""Product sheet reader: the facts purchasing provides for each SKU (docs/workflow.md).

Reads CSV (UTF-8 with or without BOM, UTF-16 with BOM, GBK/GB18030 as Excel in China saves
it) and XLSX. Headers may be Chinese or English, in any case and spacing, with units
(``长(cm)``, ``长度 mm``); the header row is the first row that names a SKU column, so
title rows above it are skipped. A bad cell or row never stops the sheet: it is recorded
in :attr:`Catalogue.problems` with its row number (as a spreadsheet shows it) and the rest
loads. Only file-level failures raise :class:`~imgprep.core.errors.ConfigError`.

Policy per problem:

* missing or invalid SKU → the row is skipped;
* two rows with the same SKU (case-insensitively, as Windows folders are) → both skipped,
  unless the rows are identical, then the first is kept; the message names both rows;
* a bad number or date → that field is left empty, the product loads;
* over-long text / too many cells / too many selling points → capped, the product loads.
"""

from __future__ import annotations

import csv
import io
import math
import re
import unicodedata
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path

from .errors import ConfigError, NamingError, SheetValueError
from .messages import say
from .naming import validate_sku

MAX_TEXT = 2000  # characters kept per text field
MAX_COLUMNS = 200  # cells read per row
MAX_ROWS = 100_000  # data rows read per sheet
MAX_SELLING_POINTS = 20
MAX_SHEET_BYTES = 64 * 1024 * 1024
# One part of an .xlsx unpacked (a worksheet's XML, the shared strings): a sheet of 5000
# products × 30 columns is about 5 MiB; more than this takes minutes and gigabytes to read.
MAX_XLSX_PART_BYTES = 32 * 1024 * 1024
# Cells in one sheet (counted before reading, empty ones too): openpyxl reads about
# 4·10⁵ cells a second, so this is a few seconds; 5000 products × 30 columns is 1.5·10⁵.
MAX_CELLS = 1_000_000
MAX_DIMENSION_CM = 100_000.0  # a kilometre: anything longer is a typo
HEADER_SEARCH_ROWS = 30

TEXT_FIELDS = ("name", "colour", "fabric", "size", "description")
DIMENSION_FIELDS = ("length", "width", "height")


@dataclass(frozen=True)
class Product:
    """One row of the product sheet. Dimensions are in centimetres."""

    sku: str
    name: str = ""
    colour: str = ""
    fabric: str = ""
    size: str = ""
    description: str = ""
    length_cm: float | None = None
    width_cm: float | None = None
    height_cm: float | None = None
    selling_points: tuple[str, ...] = ()
    arrival: date | None = None
    row: int = 0
    # The row's other columns (header as written, cell text; empty cells left out): what
    # a page template names beyond imgprep's own fields, e.g. a size chart's 衣长, 胸围.
    extra: tuple[tuple[str, str], ...] = ()

    def to_dict(self) -> dict:
        """JSON-able form, as the journal keeps it."""
        d = {k: getattr(self, k) for k in self.__dataclass_fields__}
        d["selling_points"] = list(self.selling_points)
        d["arrival"] = self.arrival.isoformat() if self.arrival else None
        d["extra"] = [list(kv) for kv in self.extra]
        return d

    @classmethod
    def from_dict(cls, d: dict) -> Product:
        d = {k: v for k, v in d.items() if k in cls.__dataclass_fields__}
        d["selling_points"] = tuple(d.get("selling_points") or ())
        d["arrival"] = date.fromisoformat(d["arrival"]) if d.get("arrival") else None
        d["extra"] = tuple((str(k), str(v)) for k, v in d.get("extra") or ())
        return cls(**d)

    def column(self, name: str) -> str | None:
        """The cell of the sheet column ``name`` (matched as headers are: case, width,
        spacing and a unit suffix do not matter; an alias of one of imgprep's text fields
        gives that field). None when the row has no such column or leaves it empty."""
        key = _ALIAS_TO_KEY.get(_fold(name))
        if key in TEXT_FIELDS:
            return getattr(self, key) or None
        want = _fold(name)
        for header, value in self.extra:
            folded = _fold(header)
            m = _HEADER_UNIT.match(folded)
            if want in (folded, m.group("base") if m else None):
                return value
        return None


@dataclass(frozen=True)
class SheetProblem:
    """Something wrong in one row (``row`` 0 for the sheet as a whole).

    ``column`` is the header as written in the sheet (or "" when not tied to one);
    ``skipped`` tells whether the row's product was left out.
    """

    row: int
    column: str
    message: str
    skipped: bool = False

    def __str__(self) -> str:
        if self.row:
            if self.column:
                return say("sheet-at-row-column", row=self.row, column=self.column, message=self.message)
            return say("sheet-at-row", row=self.row, message=self.message)
        if self.column:
            return say("sheet-at-column", column=self.column, message=self.message)
        return say("sheet-at-sheet", message=self.message)


@dataclass
class Catalogue(Mapping[str, Product]):
    """Products by SKU, with the problems found while reading. A read-only mapping.

    Lookup falls back to a case-insensitive match, since SKU folder names on Windows
    and macOS are case-insensitive.
    """

    source: str
    products: dict[str, Product] = field(default_factory=dict)
    problems: list[SheetProblem] = field(default_factory=list)
    unknown_columns: list[str] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)  # the headers read, as the sheet spells them
    header_row: int = 0
    sheet: str | None = None
    cut_at_row: int | None = None  # the sheet's rows past MAX_ROWS were not read (from this row)

    def __getitem__(self, sku: str) -> Product:
        try:
            return self.products[sku]
        except KeyError:
            folded = sku.casefold()
            for key, product in self.products.items():
                if key.casefold() == folded:
                    return product
            raise

    def __iter__(self) -> Iterator[str]:
        return iter(self.products)

    def __len__(self) -> int:
        return len(self.products)


# --- headers ------------------------------------------------------------------------------

_ALIASES: dict[str, tuple[str, ...]] = {
    "sku": ("货号", "sku", "款号", "itemno", "itemnumber", "商品编号", "商品编码",
            "产品编号", "编号", "productcode", "productid", "articleno", "styleno"),
    "name": ("商品名称", "品名", "名称", "name", "productname", "商品名", "产品名称", "title",
             "标题"),
    "colour": ("颜色", "color", "colour", "色", "顏色"),
    "fabric": ("面料", "材质", "fabric", "material", "材料", "成分"),
    "size": ("尺码", "规格", "size", "尺寸规格", "号型"),
    "description": ("商品说明", "描述", "说明", "description", "desc", "商品描述", "产品说明",
                    "产品描述", "详情"),
    "length": ("长", "长度", "length", "l", "len"),
    "width": ("宽", "宽度", "width", "w"),
    "height": ("高", "高度", "height", "h"),
    "dimensions": ("长宽高", "长×宽×高", "长*宽*高", "长x宽x高", "尺寸", "dimensions",
                   "dimension", "lxwxh", "l×w×h", "l*w*h"),
    "arrival": ("到货日期", "到货时间", "到货", "arrivaldate", "arrival", "dateofarrival",
                "arrived"),
}
_ALIAS_TO_KEY = {alias: key for key, aliases in _ALIASES.items() for alias in aliases}
_SP_PREFIXES = ("卖点", "sellingpoint", "sellpoint", "feature", "卖点描述")

# Units in headers and cells, as factors to centimetres.
_UNITS = {"mm": 0.1, "毫米": 0.1, "cm": 1.0, "厘米": 1.0, "公分": 1.0, "m": 100.0, "米": 100.0,
          "in": 2.54, "inch": 2.54, "英寸": 2.54}
_UNIT_RE = "|".join(sorted((re.escape(u) for u in _UNITS), key=len, reverse=True))
_HEADER_UNIT = re.compile(rf"^(?P<base>.*?)[(\[/（【]?(?P<unit>{_UNIT_RE})[)\]）】]?$")
_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
              "八": 8, "九": 9}


def _fold(text: object) -> str:
    """Header text folded for matching: NFKC (full-width → ASCII), case-folded, without
    spaces, underscores, hyphens, dots, colons or '#'."""
    s = unicodedata.normalize("NFKC", str(text or "")).casefold()
    return re.sub(r"[\s_\-.:：#。]+", "", s)


def _cn_number(s: str) -> int | None:
    """'一' → 1, '十' → 10, '十二' → 12, '二十三' → 23 (1..99); '①' etc. via NFKC earlier."""
    if not s or any(ch not in _CN_DIGITS and ch != "十" for ch in s):
        return None
    if "十" not in s:
        return _CN_DIGITS[s] if len(s) == 1 else None
    tens, _, ones = s.partition("十")
    t = _CN_DIGITS.get(tens, 0 if tens == "" else -100) if len(tens) <= 1 else -100
    t = 1 if tens == "" else t
    o = _CN_DIGITS.get(ones, -100) if ones else 0
    value = t * 10 + o
    return value if 0 < value < 100 else None


@dataclass(frozen=True)
class _Column:
    index: int
    header: str
    key: str  # canonical field, or "selling_point"
    factor: float = 1.0  # unit factor to cm for dimensions
    order: int = 0  # selling-point number


def _classify(header: object, index: int) -> _Column | None:
    raw = str(header if header is not None else "").strip()
    folded = _fold(raw)
    if not folded:
        return None
    if folded in _ALIAS_TO_KEY:
        return _Column(index, raw, _ALIAS_TO_KEY[folded])
    m = _HEADER_UNIT.match(folded)
    if m and m.group("base") in _ALIAS_TO_KEY:
        key = _ALIAS_TO_KEY[m.group("base")]
        if key in DIMENSION_FIELDS or key == "dimensions":
            return _Column(index, raw, key, _UNITS[m.group("unit")])
    for prefix in _SP_PREFIXES:
        if folded.startswith(prefix):
            rest = folded[len(prefix):]
            if rest == "":
                return _Column(index, raw, "selling_point", order=1)
            if rest.isdigit():
                return _Column(index, raw, "selling_point", order=int(rest))
            number = _cn_number(rest)
            if number is not None:
                return _Column(index, raw, "selling_point", order=number)
    return None


# --- cell values --------------------------------------------------------------------------


def _text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, datetime):
        value = value.date().isoformat() if value.time() == datetime.min.time() else value
    s = unicodedata.normalize("NFC", str(value)).replace("\r\n", "\n").replace("\r", "\n")
    s = "".join(ch for ch in s if ch in "\n\t" or unicodedata.category(ch) != "Cc")
    return s.strip()


_THOUSANDS = re.compile(r"^\d{1,3}(,\d{3})+(\.\d+)?(?![\d,])")
_NUMBER = re.compile(rf"^(?P<num>[+-]?(?:\d+(?:\.\d*)?|\.\d+))\s*(?P<unit>{_UNIT_RE})?$")


def _number_cm(value: object, factor: float) -> float:
    """A dimension cell in centimetres; raises SheetValueError saying why not."""
    if isinstance(value, bool):
        raise SheetValueError(say("sheet-not-a-number", value=repr(value)))
    if isinstance(value, (int, float)):
        number = float(value)
    else:
        s = unicodedata.normalize("NFKC", str(value)).strip().casefold()
        if _THOUSANDS.match(s):
            s = s.replace(",", "")
        m = _NUMBER.match(s)
        if not m:
            raise SheetValueError(say("sheet-not-a-number", value=repr(str(value)[:40])))
        number = float(m.group("num"))
        if m.group("unit"):
            factor = _UNITS[m.group("unit")]
    cm = number * factor
    if not math.isfinite(cm) or cm <= 0:
        raise SheetValueError(say("sheet-not-positive", value=repr(str(value)[:40])))
    if cm > MAX_DIMENSION_CM:
        raise SheetValueError(say("sheet-implausible", value=repr(str(value)[:40])))
    return round(cm, 4)


_DIMS_SPLIT = re.compile(r"\s*[x×*＊✕/]\s*")


def _dimensions_cm(value: object, factor: float) -> tuple[float, float, float]:
    s = unicodedata.normalize("NFKC", str(value)).strip().casefold()
    m = re.search(rf"(?P<unit>{_UNIT_RE})$", s)
    if m:
        factor = _UNITS[m.group("unit")]
        s = s[: m.start()].strip()
    parts = _DIMS_SPLIT.split(s)
    if len(parts) != 3:
        raise SheetValueError(say("sheet-not-dimensions", value=repr(str(value)[:40])))
    return tuple(_number_cm(p, factor) for p in parts)  # type: ignore[return-value]


_DATE_PATTERNS = (
    re.compile(r"^(?P<y>\d{4})[-/.年](?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})日?(?:[ tT].*)?$"),
    re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})$"),
)
_EXCEL_EPOCH = date(1899, 12, 30)  # serial 1 = 1900-01-01, counting Excel's 1900-02-29


def _date(value: object) -> date:
    """A date cell: Excel date, 2026-11-20, 2026/11/20, 2026.11.20, 2026年11月20日, 20261120."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        if 20000 <= value <= 80000:  # an Excel serial left unformatted (1954..2119)
            return _EXCEL_EPOCH + timedelta(days=int(value))
        if isinstance(value, int) or float(value).is_integer():
            value = str(int(value))
    s = unicodedata.normalize("NFKC", str(value)).strip()
    for pattern in _DATE_PATTERNS:
        m = pattern.match(s)
        if m:
            try:
                return date(int(m.group("y")), int(m.group("m")), int(m.group("d")))
            except ValueError:
                break
    raise SheetValueError(say("sheet-not-a-date", value=repr(s[:40])))


# --- reading files ------------------------------------------------------------------------


def _decode(data: bytes, path: Path) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as utf8:
        first_bad = utf8
    try:
        # GB18030 is a superset of GBK and GB2312, as Excel in China saves "CSV".
        return data.decode("gb18030")
    except UnicodeDecodeError as exc:
        if not data[:first_bad.start].isascii():
            # Real UTF-8 text up to there, then not: two files pasted together. GB18030
            # would stumble somewhere inside the UTF-8 part; the change is what to report.
            line = data.count(b"\n", 0, first_bad.start) + 1
            raise ConfigError(path, None, say("sheet-encoding-mixed", byte=first_bad.start, line=line,
                                              reason=first_bad.reason), say("sheet-encoding-hint")) from None
        raise ConfigError(path, None, say("sheet-encoding", reason=exc.reason, byte=exc.start),
                          say("sheet-encoding-hint")) from None


# A quoted CSV field ("" is a quote inside it): its delimiters and line ends are not cells'.
_CSV_QUOTED = re.compile(r'"[^"]*(?:""[^"]*)*"')
# A worksheet cell element, <c …>, <c/> or with a namespace prefix (<x:c …>).
_XLSX_CELL = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s/>]")


def _csv_cells(text: str, delimiter: str) -> int:
    """The cells csv.reader would make of ``text`` (at most), counted without making them:
    fields are delimiters and line ends outside quoted fields, plus one."""
    def count(t: str) -> int:
        return t.count(delimiter) + max(t.count("\n"), t.count("\r")) + 1

    n = count(text)
    return n if n <= MAX_CELLS or '"' not in text else count(_CSV_QUOTED.sub("", text))


def _csv_rows(path: Path) -> Iterator[list[object]]:
    data = path.read_bytes()
    text = _decode(data, path)
    sample = text[:8192]
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=",\t;")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = "\t" if sample.count("\t") > sample.count(",") else ","
    if _csv_cells(text, delimiter) > MAX_CELLS:
        raise ConfigError(path, None, say("sheet-too-many-cells", limit=MAX_CELLS), say("sheet-too-big-hint"))
    # The csv module refuses fields over 128 KiB; we read them whole and cap them ourselves.
    if csv.field_size_limit() < MAX_SHEET_BYTES:
        csv.field_size_limit(MAX_SHEET_BYTES)
    yield from csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)


def _check_unpacked(path: Path) -> None:
    """A workbook is a zip: its parts are limited by their unpacked size before openpyxl
    reads any (a 1 MB file can hold 3·10⁷ empty cells, or one 200 MB string)."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as z:
            parts = [(i.filename, i.file_size) for i in z.infolist()]
    except (zipfile.BadZipFile, OSError, ValueError):
        return  # openpyxl says what is wrong with it
    name, size = max(parts, key=lambda p: p[1], default=("", 0))
    if size > MAX_XLSX_PART_BYTES:
        raise ConfigError(path, None, say("sheet-part-too-big", part=name, size=size // 2**20,
                                          limit=MAX_XLSX_PART_BYTES // 2**20), say("sheet-too-big-hint"))
    for name, _ in parts:
        if name.startswith("xl/worksheets/") and name.endswith(".xml") and _xlsx_cells(path, name) > MAX_CELLS:
            raise ConfigError(path, None, say("sheet-part-too-many-cells", part=name, limit=MAX_CELLS),
                              say("sheet-too-big-hint"))


def _xlsx_cells(path: Path, part: str) -> int:
    """The cell elements of a worksheet part, counted as it unpacks (a part is at most
    MAX_XLSX_PART_BYTES, already checked), up to just past MAX_CELLS."""
    import zipfile

    n, tail = 0, b""
    try:
        with zipfile.ZipFile(path) as z, z.open(part) as f:
            while n <= MAX_CELLS:
                chunk = f.read(1 << 20)
                buf = tail + chunk
                keep = 0 if not chunk else 64  # an element cut at the chunk's end is counted with the next
                n += sum(1 for m in _XLSX_CELL.finditer(buf) if m.start() < len(buf) - keep)
                if not chunk:
                    break
                tail = buf[len(buf) - keep:]
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return 0  # openpyxl says what is wrong with it
    return n


def _open_xlsx(path: Path):
    import openpyxl

    _check_unpacked(path)
    try:
        return openpyxl.load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise ConfigError(path, None, say("sheet-workbook", detail=exc), say("sheet-workbook-hint")) from None


def _find_header(rows: Iterable[Iterable[object]]) -> tuple[int, list[object], Iterator] | None:
    rows = iter(rows)
    for number in range(1, HEADER_SEARCH_ROWS + 1):
        try:
            row = list(next(rows))
        except StopIteration:
            return None
        if any(_fold(c) in _ALIASES["sku"] for c in row[:MAX_COLUMNS] if c is not None):
            return number, row, rows
    return None


def load_catalogue(path: str | Path) -> Catalogue:
    """Read a product sheet (``.csv``/``.txt``/``.tsv`` or ``.xlsx``/``.xlsm``).

    Raises :class:`ConfigError` when the file cannot be read at all or has no SKU column;
    everything else is reported in :attr:`Catalogue.problems`.
    """
    path = Path(path)
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            magic = fh.read(4)
    except OSError as exc:
        raise ConfigError(path, None, say("sheet-cannot-open", detail=exc.strerror or exc),
                          say("sheet-cannot-open-hint")) from None
    if size > MAX_SHEET_BYTES:
        raise ConfigError(path, None, say("sheet-too-big", size=size // 2**20, limit=MAX_SHEET_BYTES // 2**20),
                          say("sheet-too-big-hint"))
    suffix = path.suffix.casefold()
    if suffix == ".xls" or magic == b"\xd0\xcf\x11\xe0":
        raise ConfigError(path, None, say("sheet-xls"), say("sheet-xls-hint"))

    found = None
    sheet_name = None
    try:
        if magic == b"PK\x03\x04" or suffix in (".xlsx", ".xlsm"):
            book = _open_xlsx(path)
            try:
                for ws in book.worksheets:
                    sheet_name = ws.title
                    found = _find_header(ws.iter_rows(values_only=True, max_col=MAX_COLUMNS + 1))
                    if found:
                        return _read_rows(path, sheet_name, *found)
            finally:
                book.close()
        else:
            found = _find_header(_csv_rows(path))
            if found:
                return _read_rows(path, None, *found)
    except csv.Error as exc:
        raise ConfigError(path, None, say("sheet-not-csv", detail=exc), say("sheet-not-csv-hint")) from None
    missing = (say("sheet-no-sku-column-any", rows=HEADER_SEARCH_ROWS, sheet=repr(sheet_name)) if sheet_name
               else say("sheet-no-sku-column", rows=HEADER_SEARCH_ROWS))
    raise ConfigError(path, "货号", missing, say("sheet-no-sku-column-hint"))


def _read_rows(
    path: Path, sheet: str | None, header_row: int, header: list[object], rows: Iterator
) -> Catalogue:
    cat = Catalogue(source=str(path), header_row=header_row, sheet=sheet)
    columns, sp_columns, other = _read_header(cat, header)
    seen, duplicates = _read_products(cat, rows, columns, sp_columns, other)
    _settle_duplicates(cat, seen, duplicates, columns)
    cat.products = {p.sku: p for p in sorted(seen.values(), key=lambda p: p.row)}
    cat.problems.sort(key=lambda p: p.row)
    return cat


def _read_header(cat: Catalogue, header: list[object]) -> tuple[dict[str, _Column], list[_Column], list[_Column]]:
    """The header row's columns: (known fields by key, selling points in order, others)."""
    header_row, problems = cat.header_row, cat.problems
    columns: dict[str, _Column] = {}
    selling: dict[int, _Column] = {}
    other: list[_Column] = []
    for index, cell in enumerate(header[:MAX_COLUMNS]):
        col = _classify(cell, index)
        if col is None:
            if _text(cell):
                cat.unknown_columns.append(_text(cell))
                other.append(_Column(index, _text(cell), "other"))
            continue
        if col.key == "selling_point":
            if col.order in selling:
                problems.append(SheetProblem(header_row, col.header,
                                             say("sheet-selling-point-twice", n=col.order)))
            else:
                selling[col.order] = col
        elif col.key in columns:
            problems.append(SheetProblem(header_row, col.header, say(
                "sheet-second-column", field=col.key, first=columns[col.key].header)))
        else:
            columns[col.key] = col
    if any(_text(c) for c in header[MAX_COLUMNS:]):
        problems.append(SheetProblem(header_row, "", say("sheet-columns-capped", limit=MAX_COLUMNS)))
    sp_columns = [selling[k] for k in sorted(selling)]
    if len(sp_columns) > MAX_SELLING_POINTS:
        problems.append(SheetProblem(header_row, sp_columns[MAX_SELLING_POINTS].header,
                                     say("sheet-selling-points-capped", limit=MAX_SELLING_POINTS)))
        sp_columns = sp_columns[:MAX_SELLING_POINTS]
    cat.columns = [c.header for c in sorted([*columns.values(), *sp_columns], key=lambda c: c.index)]
    return columns, sp_columns, other


def _read_products(cat: Catalogue, rows: Iterator, columns: dict[str, _Column], sp_columns: list[_Column],
                   other: list[_Column]) -> tuple[dict[str, Product], dict[str, list[Product]]]:
    """The products below the header by SKU (casefolded), and the SKUs that repeat."""
    header_row, problems = cat.header_row, cat.problems
    seen: dict[str, Product] = {}
    duplicates: dict[str, list[Product]] = {}
    for number, row in enumerate(rows, start=header_row + 1):
        if number - header_row > MAX_ROWS:
            problems.append(SheetProblem(number, "", say("sheet-rows-capped", limit=MAX_ROWS)))
            cat.cut_at_row = number
            break
        row = list(row) if not isinstance(row, list) else row
        if len(row) > MAX_COLUMNS:
            if any(_text(c) for c in row[MAX_COLUMNS:]):
                problems.append(SheetProblem(number, "", say("sheet-row-too-wide", limit=MAX_COLUMNS)))
            row = row[:MAX_COLUMNS]
        if all(_text(c) == "" for c in row):
            continue
        product = _read_product(row, number, columns, sp_columns, other, problems)
        if product is None:
            continue
        key = product.sku.casefold()
        if key in seen:
            duplicates.setdefault(key, [seen[key]]).append(product)
        else:
            seen[key] = product
    return seen, duplicates


def _settle_duplicates(cat: Catalogue, seen: dict[str, Product], duplicates: dict[str, list[Product]],
                       columns: dict[str, _Column]) -> None:
    """Identical repeats keep their first row; differing ones are all left out of ``seen``."""
    for key, dups in duplicates.items():
        first = dups[0]
        identical = all(_same(first, other) for other in dups[1:])
        rows = [p.row for p in dups]
        # "rows 2 and 4", or "rows 2, 4, 6"
        pair = "-pair" if len(rows) == 2 else ""
        where = {"first": rows[0], "second": rows[1]} if pair else {"rows": ", ".join(map(str, rows))}
        for p in dups[1:] if identical else dups:
            if identical:
                text = say("sheet-repeat" + pair, sku=repr(p.sku), row=first.row, **where)
            else:
                text = say("sheet-duplicate" + pair, sku=repr(p.sku), **where)
            cat.problems.append(SheetProblem(p.row, columns["sku"].header, text, skipped=True))
        if not identical:
            del seen[key]


def _same(a: Product, b: Product) -> bool:
    return {**a.__dict__, "row": 0} == {**b.__dict__, "row": 0}


def _read_product(row, number, columns, sp_columns, other, problems) -> Product | None:
    def cell(col: _Column | None) -> object:
        return row[col.index] if col is not None and col.index < len(row) else None

    def capped(col: _Column | None) -> str:
        s = _text(cell(col))
        if len(s) > MAX_TEXT:
            problems.append(SheetProblem(number, col.header,
                                         say("sheet-text-capped", length=f"{len(s):,}", limit=MAX_TEXT)))
            s = s[:MAX_TEXT]
        return s

    sku_col = columns["sku"]
    raw_sku = _text(cell(sku_col))
    if not raw_sku:
        problems.append(SheetProblem(number, sku_col.header, say("sheet-missing-sku"), skipped=True))
        return None
    try:
        sku = validate_sku(raw_sku[:200])
    except NamingError as exc:
        problems.append(SheetProblem(number, sku_col.header, say("sheet-bad-sku", detail=exc), skipped=True))
        return None

    values: dict[str, object] = {key: capped(columns.get(key)) for key in TEXT_FIELDS}
    dims: dict[str, float | None] = dict.fromkeys(DIMENSION_FIELDS)
    combined = columns.get("dimensions")
    if combined is not None and _text(cell(combined)):
        try:
            dims.update(zip(DIMENSION_FIELDS, _dimensions_cm(cell(combined), combined.factor), strict=True))
        except ValueError as exc:
            problems.append(SheetProblem(number, combined.header, str(exc)))
    for key in DIMENSION_FIELDS:
        col = columns.get(key)
        if col is None or _text(cell(col)) == "":
            continue
        try:
            dims[key] = _number_cm(cell(col), col.factor)
        except ValueError as exc:
            problems.append(SheetProblem(number, col.header, str(exc)))

    points = []
    for col in sp_columns:
        s = capped(col)
        if s:
            points.append(s)

    arrival = None
    col = columns.get("arrival")
    if col is not None and _text(cell(col)):
        try:
            arrival = _date(cell(col))
        except ValueError as exc:
            problems.append(SheetProblem(number, col.header, str(exc)))

    extra = tuple((col.header, s) for col in other if (s := capped(col)))
    return Product(
        sku=sku, **values,  # type: ignore[arg-type]
        length_cm=dims["length"], width_cm=dims["width"], height_cm=dims["height"],
        selling_points=tuple(points), arrival=arrival, row=number, extra=extra,
    )
