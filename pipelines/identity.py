"""Stable identities: canonical URLs, article ids, content hashes and near-duplicate signatures.

An article's id is derived from its canonical URL only, so the same story fetched again (from a
re-run, another feed, or a URL with tracking parameters) lands on the same key. Syndicated copies
under different URLs are linked through `content_hash` (exact text) and `simhash` (near-duplicate).
"""

from __future__ import annotations

import contextlib
import hashlib
import re
import unicodedata
from hashlib import blake2b
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from courlan import normalize_url

_TRACKING_PREFIXES = ("utm_", "mc_", "pk_", "at_", "ga_", "hsa_")
_TRACKING_PARAMS = frozenset(
    {
        "fbclid",
        "gclid",
        "dclid",
        "msclkid",
        "yclid",
        "igshid",
        "ref",
        "ref_src",
        "cmpid",
        "ocid",
        "smid",
        "cid",
        "mkt_tok",
        "_ga",
        "s_cid",
        "spm",
        "rss",
        "output",
        "ito",
    }
)
_WORD = re.compile(r"\w+", re.UNICODE)
SIMHASH_BITS = 64
NEAR_DUPLICATE_DISTANCE = 6


def canonical_url(url: str) -> str:
    """Normalise a URL so that trivially different spellings of one address compare equal.

    Lower-cases scheme and host, drops `www.`, default ports, fragments, tracking parameters
    (utm_*, fbclid, …) and a trailing slash, and sorts the remaining query parameters.
    The scheme is kept as https when the URL is http on a default port (outlets serve both).
    """
    url = url.strip()
    with contextlib.suppress(ValueError, TypeError):
        url = normalize_url(url, strict=False, trailing_slash=False)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:  # an unbalanced "[" in the host, a port that is not a number
        return url
    host = (parts.hostname or "").lower().rstrip(".")
    if host.startswith("www."):
        host = host[4:]
    scheme = parts.scheme.lower()
    netloc = host if port in (None, 80, 443) else f"{host}:{port}"
    if scheme == "http" and port in (None, 80):
        scheme = "https"
    query = [
        (k, v)
        for k, v in parse_qsl(parts.query, keep_blank_values=True)
        if not k.lower().startswith(_TRACKING_PREFIXES) and k.lower() not in _TRACKING_PARAMS
    ]
    path = parts.path.rstrip("/") or "/"
    return urlunsplit((scheme, netloc, path, urlencode(sorted(query)), ""))


def article_id(canonical: str) -> str:
    """The primary key of an article: a short hash of its canonical URL."""
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:24]


def _words(text: str) -> list[str]:
    return _WORD.findall(unicodedata.normalize("NFKC", text).casefold())


def content_hash(text: str) -> str:
    """Hash of the article text after whitespace and case normalisation (exact duplicates)."""
    return hashlib.sha256(" ".join(_words(text)).encode("utf-8")).hexdigest()[:24]


def simhash(text: str, shingle: int = 3) -> int:
    """64-bit SimHash over word shingles: near-duplicates differ in few bits.

    Returned as a signed 64-bit integer so that it fits DuckDB's BIGINT.
    """
    words = _words(text)
    if not words:
        return 0
    grams = (
        [" ".join(words[i : i + shingle]) for i in range(len(words) - shingle + 1)]
        if len(words) >= shingle
        else [" ".join(words)]
    )
    # Count, for each of the 64 bit positions, how many gram hashes have it set: bit-sliced
    # counters (planes[i] holds bit i of all 64 counts) add a hash in a few integer
    # operations instead of 64. A bit of the signature is set where most grams have it.
    planes: list[int] = []
    for gram in grams:
        carry = int.from_bytes(blake2b(gram.encode("utf-8"), digest_size=8).digest(), "big")
        for i, plane in enumerate(planes):
            planes[i] = plane ^ carry
            carry &= plane
            if not carry:
                break
        else:
            if carry:
                planes.append(carry)
    # A bit is set where its count exceeds half the grams: compare all 64 counts with
    # n // 2 at once, from the top bit of the counters down.
    threshold = len(grams) // 2
    greater, equal = 0, (1 << SIMHASH_BITS) - 1
    for i in range(max(len(planes), threshold.bit_length()) - 1, -1, -1):
        plane = planes[i] if i < len(planes) else 0
        if threshold >> i & 1:
            equal &= plane
        else:
            greater |= equal & plane
            equal &= ~plane
    value = greater
    return value - (1 << 64) if value >= 1 << 63 else value


def hamming(a: int, b: int) -> int:
    """Number of differing bits between two signatures (as stored, signed or not)."""
    return ((a ^ b) & (1 << 64) - 1).bit_count()


def is_near_duplicate(a: int, b: int, max_distance: int = NEAR_DUPLICATE_DISTANCE) -> bool:
    return a != 0 and b != 0 and hamming(a, b) <= max_distance
