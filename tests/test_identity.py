from pipelines.ingest.identity import (
    article_id,
    canonical_url,
    content_hash,
    hamming,
    is_near_duplicate,
    signatures,
    simhash,
)

BODY = (
    "ISW recalled that during the May 16 talks in Istanbul, the Russian delegation threatened "
    "to capture Ukraine's Kharkiv and Sumy regions. Analysts believe this tactic signals that "
    "if Ukraine agrees to the Kremlin's initial terms, Russia will put forward even tougher "
    "territorial demands. Putin's representatives stated that Ukraine must hand over full "
    "control of the Luhansk, Donetsk, Zaporizhzhia and Kherson regions."
)


def test_canonical_url_strips_tracking_fragment_www_and_trailing_slash() -> None:
    a = canonical_url("HTTPS://WWW.Example.com/news/story/?utm_source=rss&utm_medium=feed#top")
    b = canonical_url("https://example.com/news/story")
    assert a == b == "https://example.com/news/story"


def test_canonical_url_keeps_meaningful_query_sorted() -> None:
    assert canonical_url("https://example.com/a?id=7&page=2&fbclid=x") == canonical_url(
        "https://example.com/a?page=2&id=7"
    )
    assert canonical_url("https://example.com/a?id=7") != canonical_url(
        "https://example.com/a?id=8"
    )


def test_canonical_url_keeps_non_default_port() -> None:
    assert canonical_url("http://127.0.0.1:8123/x.html?utm_campaign=y") == (
        "http://127.0.0.1:8123/x.html"
    )


def test_article_id_is_stable_and_distinct() -> None:
    one = article_id(canonical_url("https://example.com/a/"))
    assert one == article_id(canonical_url("https://www.example.com/a?utm_source=x"))
    assert one != article_id(canonical_url("https://example.com/b"))
    assert len(one) == 24


def test_content_hash_ignores_case_and_whitespace() -> None:
    assert content_hash("Hello   World\n") == content_hash("hello world")
    assert content_hash("hello world") != content_hash("hello worlds")


def test_simhash_near_duplicates_are_close_and_others_far() -> None:
    edited = BODY.replace("Analysts believe", "Experts think") + " Reporting by staff."
    unrelated = (
        "The central bank kept its key rate unchanged on Thursday, citing slowing inflation "
        "and a stronger currency, and signalled that cuts may come later in the year as "
        "lending to households and companies cools and the budget deficit narrows."
    )
    assert hamming(simhash(BODY), simhash(BODY)) == 0
    assert is_near_duplicate(simhash(BODY), simhash(edited), max_distance=12)
    assert hamming(simhash(BODY), simhash(unrelated)) > 12


def test_simhash_fits_signed_bigint() -> None:
    value = simhash(BODY)
    assert -(2**63) <= value < 2**63
    assert simhash("") == 0


def test_unparseable_urls_come_back_unchanged_instead_of_raising() -> None:
    for url in ("https://[host/x", "http://a.example:abc/x"):
        assert canonical_url(url) == url


def test_simhash_equals_the_plain_per_bit_vote() -> None:
    """The packed bit counting must give exactly the textbook SimHash (so signatures stored
    by earlier versions stay comparable), also past one chunk of packed hashes."""
    import hashlib
    import random

    def textbook(text: str) -> int:
        words = text.lower().split()
        grams = [" ".join(words[i : i + 3]) for i in range(len(words) - 2)] or [" ".join(words)]
        weights = [0] * 64
        for gram in grams:
            h = int.from_bytes(hashlib.blake2b(gram.encode(), digest_size=8).digest(), "big")
            for bit in range(64):
                weights[bit] += 1 if h >> bit & 1 else -1
        value = sum(1 << bit for bit in range(64) if weights[bit] > 0)
        return value - (1 << 64) if value >= 1 << 63 else value

    rng = random.Random(5)
    vocab = [f"w{i}" for i in range(300)]
    for n in (1, 2, 3, 4, 17, 64, 65, 1000, 1025, 1026, 1027, 3001):
        text = " ".join(rng.choices(vocab, k=n))
        assert simhash(text) == textbook(text)


def test_signatures_equal_the_two_hashes_computed_apart() -> None:
    edited = BODY.replace("Kharkiv", "Kharkov") + " Updated."
    for text in (BODY, edited, "one", "Two words"):
        assert signatures(text) == (content_hash(text), simhash(text))
    assert signatures("...") == (content_hash("..."), 0)
