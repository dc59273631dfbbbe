"""Language codes as a feed's `language` takes them."""

from __future__ import annotations

import re

_CODE = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{2,8})*$")
_NAMES = {
    "english": "en",
    "ukrainian": "uk",
    "russian": "ru",
    "german": "de",
    "french": "fr",
    "spanish": "es",
    "polish": "pl",
    "turkish": "tr",
    "italian": "it",
}


def language_code(value: str) -> str:
    """`value` as a lower-case ISO 639-1 code (with any region subtag); ValueError, with a
    guess for a language's English name, when it is not one."""
    code = value.strip().lower().replace("_", "-")
    if _CODE.match(code):
        return code
    named = _NAMES.get(code)
    hint = f" (did you mean {named}?)" if named else ""
    raise ValueError(
        f"language {value!r} is not a language code{hint}: write an ISO 639-1 code such as "
        "en, uk or ru"
    )


_UKRAINIAN_ONLY = frozenset("іїєґІЇЄҐ")
_RUSSIAN_ONLY = frozenset("ыэъёЫЭЪЁ")


def script_language(text: str, sample: int = 4000) -> str:
    """A guess among English, Ukrainian and Russian from the letters of `text` (its first
    `sample` characters): Cyrillic with letters only Ukrainian has (і ї є ґ) and more of
    them than of those only Russian has (ы э ъ ё) is uk, other Cyrillic ru, else en. For a
    reader that knows those three when an article does not say its language."""
    head = text[:sample]
    cyrillic = sum(1 for c in head if "\u0400" <= c <= "\u04ff")
    latin = sum(1 for c in head if c.isascii() and c.isalpha())
    if cyrillic <= latin:
        return "en"
    uk = sum(1 for c in head if c in _UKRAINIAN_ONLY)
    ru = sum(1 for c in head if c in _RUSSIAN_ONLY)
    return "uk" if uk > ru else "ru"


def primary_language(lang: str | None, text: str) -> str:
    """The primary subtag of a language code ("en-GB" → "en"), else the guess of
    `script_language` when there is no code."""
    if lang:
        return lang.strip().replace("_", "-").split("-")[0].lower()
    return script_language(text)
