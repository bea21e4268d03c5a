"""Checks on files sent with an appeal: type by content (magic bytes, never the name or the
browser's claim), size, and how many. Limits are settings (``SHEQU_APPEAL_ATTACHMENT_MAX_BYTES``,
default 5 MB each; ``SHEQU_APPEAL_ATTACHMENT_MAX_FILES``, default 6)."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass

from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from shequ.core.errors import InvalidInput

from .errors import AppealErrorCode

#: HEIF/HEIC brands at bytes 8..12 of an ISO-BMFF ``ftyp`` box (photos from recent iPhones).
HEIC_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}


def max_bytes() -> int:
    return int(getattr(settings, "SHEQU_APPEAL_ATTACHMENT_MAX_BYTES", 5 * 1024 * 1024))


def max_files() -> int:
    return int(getattr(settings, "SHEQU_APPEAL_ATTACHMENT_MAX_FILES", 6))


def sniff(head: bytes) -> str:
    """The content type the first bytes of a file announce, or '' for anything not accepted."""
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head[4:8] == b"ftyp" and head[8:12] in HEIC_BRANDS:
        return "image/heic"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return ""


@dataclass
class CheckedFile:
    upload: object  # a Django UploadedFile
    name: str
    content_type: str
    size: int
    sha256: str


def check_uploads(uploads) -> list[CheckedFile]:
    """Check every file before anything is written; the error names the file and why."""
    uploads = list(uploads or [])
    if len(uploads) > max_files():
        raise InvalidInput(_("最多上传 %(count)d 个文件") % {"count": max_files()},
                           code=AppealErrorCode.ATTACHMENT_COUNT, extra={"field": "photos", "limit": max_files()})
    checked = []
    for upload in uploads:
        name = (getattr(upload, "name", "") or "")[-200:]
        if upload.size > max_bytes():
            raise InvalidInput(
                _("文件“%(name)s”过大(%(size)s),每个文件不能超过 %(limit)s")
                % {"name": name, "size": filesizeformat(upload.size), "limit": filesizeformat(max_bytes())},
                code=AppealErrorCode.ATTACHMENT_TOO_LARGE, extra={"field": "photos", "file": name})
        upload.seek(0)
        content_type = sniff(upload.read(16))
        if not content_type:
            raise InvalidInput(
                _("文件“%(name)s”的类型不受支持,只接受 JPEG、PNG、WebP、HEIC 图片和 PDF") % {"name": name},
                code=AppealErrorCode.ATTACHMENT_TYPE, extra={"field": "photos", "file": name})
        digest = hashlib.sha256()
        upload.seek(0)
        for chunk in upload.chunks():
            digest.update(chunk)
        upload.seek(0)
        checked.append(CheckedFile(upload=upload, name=name, content_type=content_type, size=upload.size,
                                   sha256=digest.hexdigest()))
    return checked
