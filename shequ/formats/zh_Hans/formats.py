"""Simplified Chinese: Django's formats, with the ISO date (2026-01-01) first among the input formats.

A form field writes a date or time it already holds (an edit form's stored date, a default period)
in the first input format of the language. Django's zh_Hans has "2026/01/01" first, which
``<input type="date">`` and ``type="datetime-local"`` reject: every such field showed empty in the
Chinese pages, and saving an edit form cleared an optional date. Every format Django's zh_Hans
accepts is still accepted; dates shown on pages (``DATE_FORMAT``, "2026年1月1日") are unchanged.
"""
from django.conf.locale.zh_Hans import formats as _django

from django.conf.locale.zh_Hans.formats import *  # noqa: F401,F403


def _iso_first(formats: list[str], iso: str) -> list[str]:
    return [iso, *(f for f in formats if f != iso)]


DATE_INPUT_FORMATS = _iso_first(_django.DATE_INPUT_FORMATS, "%Y-%m-%d")
DATETIME_INPUT_FORMATS = _iso_first(_django.DATETIME_INPUT_FORMATS, "%Y-%m-%d %H:%M")
