"""Standard-address text: one normalization for stored addresses and for searches."""
from __future__ import annotations

import re

_FULLWIDTH = str.maketrans(
    "０１２３４５６７８９ＡＢＣＤＥＦＧＨＩＪＫＬＭＮＯＰＱＲＳＴＵＶＷＸＹＺ－＃",
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-#",
)
_SUFFIXES = [
    (re.compile(r"(\d+)\s*(号楼|幢|座|栋楼|楼栋)"), r"\1栋"),
    (re.compile(r"(\d+)\s*(单元)"), r"\1单元"),
    (re.compile(r"(\d+)\s*(室|房|户)"), r"\1室"),
    (re.compile(r"(\d+)\s*(号院)"), r"\1号"),
]
_TOKEN = re.compile(r"\d+[号栋单元室]*|[^\d\s,,。、#\-]+")


def normalize(text: str) -> str:
    text = (text or "").translate(_FULLWIDTH).upper()
    text = re.sub(r"\s+", "", text)
    for pattern, repl in _SUFFIXES:
        text = pattern.sub(repl, text)
    return text


def compose(*, road: str, number: str, compound_name: str = "", building_no: str = "", unit_no: str = "", room: str = "") -> str:
    """The display form: 幸福路12号 阳光小区 3栋2单元501室."""
    number = number if not number or number.endswith("号") else f"{number}号"
    parts = [f"{road}{number}"]
    if compound_name:
        parts.append(compound_name)
    tail = ""
    if building_no:
        tail += building_no if building_no.endswith("栋") else f"{building_no}栋"
    if unit_no:
        tail += unit_no if unit_no.endswith("单元") else f"{unit_no}单元"
    if room:
        tail += room if room.endswith("室") else f"{room}室"
    if tail:
        parts.append(tail)
    return " ".join(parts)


def query_tokens(query: str) -> list[str]:
    """Split a free-text address query into pieces that must all appear in the address."""
    return [t for t in _TOKEN.findall(normalize(query)) if t]
