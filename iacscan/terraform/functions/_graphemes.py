"""Grapheme clusters: Terraform measures strings in user-perceived characters."""

from __future__ import annotations

import unicodedata

from iacscan.terraform.budget import BudgetExceeded

_SLOW_TEXT_LIMIT = 1_000_000  # the split below runs at about 1-3 microseconds per character

_EXTENDING_CATEGORIES = frozenset({"Mn", "Me", "Mc"})


def _hangul_type(ch: str) -> str:
    cp = ord(ch)
    if 0x1100 <= cp <= 0x115F or 0xA960 <= cp <= 0xA97C:
        return "L"
    if 0x1160 <= cp <= 0x11A7 or 0xD7B0 <= cp <= 0xD7C6:
        return "V"
    if 0x11A8 <= cp <= 0x11FF or 0xD7CB <= cp <= 0xD7FB:
        return "T"
    if 0xAC00 <= cp <= 0xD7A3:
        return "LV" if (cp - 0xAC00) % 28 == 0 else "LVT"
    return ""


_HANGUL_JOINS = {("L", "L"), ("L", "V"), ("L", "LV"), ("L", "LVT"), ("LV", "V"), ("LV", "T")}
_HANGUL_JOINS |= {("V", "V"), ("V", "T"), ("LVT", "T"), ("T", "T")}


def _is_regional(ch: str) -> bool:
    return 0x1F1E6 <= ord(ch) <= 0x1F1FF


def _joins(prev: str, ch: str, regionals: int) -> bool:
    """An approximation of UAX #29 good enough for accents, emoji sequences and Hangul."""
    if prev == "\r":
        return ch == "\n"
    if prev == "\n" or ch in "\r\n":
        return False
    cp = ord(ch)
    if unicodedata.category(ch) in _EXTENDING_CATEGORIES or cp == 0x200D:
        return True
    if 0x1F3FB <= cp <= 0x1F3FF or 0xE0020 <= cp <= 0xE007F or prev == "\u200d":
        return True
    if _is_regional(ch) and _is_regional(prev):
        return regionals % 2 == 1
    return (_hangul_type(prev), _hangul_type(ch)) in _HANGUL_JOINS


def _graphemes(text: str) -> list[str]:
    """Linear in the text: a cluster grows as a list of characters, never by copying."""
    if text.isascii() and "\r" not in text:
        return list(text)  # in ASCII only CR LF joins
    if len(text) > _SLOW_TEXT_LIMIT:
        raise BudgetExceeded(f"grapheme split of over {_SLOW_TEXT_LIMIT:,} non-ASCII characters")
    clusters: list[list[str]] = []
    regionals = 0  # regional indicators in the cluster being built
    for ch in text:
        if clusters and _joins(clusters[-1][-1], ch, regionals):
            clusters[-1].append(ch)
        else:
            clusters.append([ch])
            regionals = 0
        regionals += _is_regional(ch)
    return ["".join(cluster) for cluster in clusters]
