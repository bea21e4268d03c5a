"""Resident identity numbers (GB 11643-1999): check digit, birth date, sex; phones; masking."""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK = "10X98765432"
_ID_RE = re.compile(r"^\d{17}[\dX]$")
_MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE_RE = re.compile(r"^0\d{2,3}\d{7,8}$")
_FULLWIDTH = str.maketrans("０１２３４５６７８９ｘＸ－（）", "0123456789XX-()")


class IdNumberError(ValueError):
    pass


@dataclass(frozen=True)
class IdNumber:
    number: str
    birth_date: dt.date
    sex: str  # "M" or "F"
    region_code: str


def check_digit(first17: str) -> str:
    return _CHECK[sum(int(c) * w for c, w in zip(first17, _WEIGHTS)) % 11]


def normalize_id_number(value: str) -> str:
    return (value or "").translate(_FULLWIDTH).strip().replace(" ", "").upper()


def parse_id_number(value: str, *, today: dt.date | None = None) -> IdNumber:
    """Validate an 18-digit ID number and derive birth date and sex, or raise IdNumberError."""
    number = normalize_id_number(value)
    if not number:
        raise IdNumberError(_("身份证号为空"))
    if len(number) != 18:
        raise IdNumberError(_("身份证号应为18位,实际%(n)d位") % {"n": len(number)})
    if not _ID_RE.match(number):
        raise IdNumberError(_("身份证号只能由数字和末位X组成"))
    expected = check_digit(number[:17])
    if number[17] != expected:
        raise IdNumberError(_("身份证号校验位错误(应为%(c)s)") % {"c": expected})
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise IdNumberError(_("身份证号中的出生日期无效")) from None
    if birth.year < 1880 or birth > (today or dt.date.today()):
        raise IdNumberError(_("身份证号中的出生日期不合理"))
    sex = "M" if int(number[16]) % 2 else "F"
    return IdNumber(number=number, birth_date=birth, sex=sex, region_code=number[:6])


def make_id_number(region: str, birth: dt.date, sequence: int) -> str:
    """Build a valid ID number (region code, birth date, 3-digit sequence) — for demo data and tests."""
    first17 = f"{region}{birth:%Y%m%d}{sequence % 1000:03d}"
    return first17 + check_digit(first17)


def normalize_phone(value: str) -> str:
    text = (value or "").translate(_FULLWIDTH).strip()
    if text.startswith("+86"):
        text = text[3:]
    return re.sub(r"[\s\-()]", "", text)


def validate_phone(value: str) -> str:
    """Return the normalized phone (mobile 1xxxxxxxxxx or landline 0xx-xxxxxxxx) or raise ValueError."""
    phone = normalize_phone(value)
    if _MOBILE_RE.match(phone) or _LANDLINE_RE.match(phone):
        return phone
    raise ValueError(_("电话号码格式不正确:应为11位手机号或带区号的固定电话"))


def mask_id_number(value: str | None) -> str:
    if not value:
        return ""
    if len(value) <= 10:
        return value[:2] + "*" * max(len(value) - 2, 0)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str | None) -> str:
    if not value:
        return ""
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]
