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
