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
    from courlan import normalize_url  # imported on first use: a run with nothing due has none

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
    return _content_hash(_words(text))


def _content_hash(words: list[str]) -> str:
    return hashlib.sha256(" ".join(words).encode("utf-8")).hexdigest()[:24]


def signatures(text: str) -> tuple[str, int]:
    """(content_hash, simhash) of a text, splitting it into words once for both."""
    words = _words(text)
    return _content_hash(words), _simhash(words)


_MASK_WORDS = 1024
_BIT_MASKS: list[int] = []


def _bit_masks() -> list[int]:
    """Mask i has bit i of each of `_MASK_WORDS` consecutive 64-bit words set."""
    if not _BIT_MASKS:
        _BIT_MASKS.extend(
            int.from_bytes((1 << i).to_bytes(8, "big") * _MASK_WORDS, "big") for i in range(64)
        )
    return _BIT_MASKS


def simhash(text: str, shingle: int = 3) -> int:
    """64-bit SimHash over word shingles: near-duplicates differ in few bits.

    Returned as a signed 64-bit integer so that it fits DuckDB's BIGINT.
    """
    return _simhash(_words(text), shingle)


def _simhash(words: list[str], shingle: int = 3) -> int:
    if not words:
        return 0
    grams = (
        list(map(" ".join, zip(*(words[i:] for i in range(shingle)), strict=False)))
        if len(words) >= shingle
        else [" ".join(words)]
    )
    # For each of the 64 bit positions, count the gram hashes that have it set. The hashes of
    # up to `_MASK_WORDS` grams are packed into one integer; ANDing it with the mask of bit i
    # and counting the ones counts bit i of all of them in C (64 operations per chunk instead
    # of a Python loop per gram).
    counts = [0] * SIMHASH_BITS
    masks = _bit_masks()
    for start in range(0, len(grams), _MASK_WORDS):
        packed = int.from_bytes(
            b"".join(
                blake2b(gram.encode("utf-8"), digest_size=8).digest()
                for gram in grams[start : start + _MASK_WORDS]
            ),
            "big",
        )
        for i, mask in enumerate(masks):
            counts[i] += (packed & mask).bit_count()
    # A bit is set where most grams have it (its count exceeds half the grams).
    threshold = len(grams) // 2
    value = sum(1 << i for i, count in enumerate(counts) if count > threshold)
    return value - (1 << 64) if value >= 1 << 63 else value


def hamming(a: int, b: int) -> int:
    """Number of differing bits between two signatures (as stored, signed or not)."""
    return ((a ^ b) & (1 << 64) - 1).bit_count()


def is_near_duplicate(a: int, b: int, max_distance: int = NEAR_DUPLICATE_DISTANCE) -> bool:
    return a != 0 and b != 0 and hamming(a, b) <= max_distance
