"""Helpers shared by the benchmarks: timing with medians, machine facts, JSON output."""

from __future__ import annotations

import contextlib
import html
import itertools
import json
import math
import os
import platform
import random
import statistics
import string
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path
from typing import Any

import yaml

from flows.seed_server import PLACEHOLDER, serve_directory


def machine() -> dict[str, Any]:
    return {
        "cpu_count": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


def median_seconds(fn: Callable[[], Any], repeat: int = 3) -> tuple[float, list[float]]:
    """Run `fn` `repeat` times; the median wall time and every sample."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples), samples


def load_average() -> float:
    """The 1-minute load average: on a shared 2-core machine, other work skews throughput."""
    return round(os.getloadavg()[0], 2)


def stop_process_group(proc: subprocess.Popen[Any], grace_s: float) -> None:
    """Stop a process started with `start_new_session=True` and everything it started:
    SIGTERM to its group, SIGKILL if it has not exited after `grace_s`."""
    os.killpg(proc.pid, 15)
    try:
        proc.wait(timeout=grace_s)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, 9)
        proc.wait()


def emit(name: str, figures: dict[str, Any]) -> None:
    """Print one benchmark's figures as a JSON line (the runner collects them)."""
    sys.stdout.write(json.dumps({"benchmark": name, **figures, "machine": machine()}) + "\n")
    sys.stdout.flush()


# --- Generated corpus on disk --------------------------------------------------------------

CORPUS_ROOT = Path(__file__).resolve().parent / "corpus"
"""Where generated corpora live; `bench/corpus/` is gitignored."""
BASE_URL = PLACEHOLDER.decode()
"""Placeholder for the serving host in generated pages and feeds (replaced when served)."""
_FILLER_LEN = 1 << 18


@dataclass(frozen=True, slots=True)
class Corpus:
    """A generated corpus: `articles/<i>.html`, `feeds/<f>.xml`, `robots.txt`."""

    root: Path
    articles: int
    feeds: int
    items_per_feed: int
    seed: int
    bytes: int

    def figures(self) -> dict[str, Any]:
        return {
            "articles": self.articles,
            "feeds": self.feeds,
            "items_per_feed": self.items_per_feed,
            "seed": self.seed,
            "corpus_mb": round(self.bytes / 2**20, 1),
            "mean_page_kb": round(self.bytes / max(1, self.articles) / 1024, 1),
        }


class PageMaker:
    """Reproducible article pages built from the demo corpus (`seeds/`).

    Each page takes one demo article (its outlet's page template, its paragraphs shuffled),
    adds paragraphs of other articles in the same language and a few paragraphs of random
    prose from that language's vocabulary (so that every page is its own story, not a
    near-duplicate), and an inline script of log-uniform size (2 KB to 150 KB) like the
    state blobs and trackers of real news pages. Sizes and structure therefore vary the way
    real pages do, and page `i` depends only on (seed, i).
    """

    def __init__(self, seed: int) -> None:
        from seeds.articles import ARTICLES

        self.seed = seed
        self.articles = ARTICLES
        self.paragraphs: dict[str, list[str]] = {}
        self.vocab: dict[str, list[str]] = {}
        for art in ARTICLES:
            paras = [p for p in art["body"].split("\n") if p.strip()]
            self.paragraphs.setdefault(art["lang"], []).extend(paras)
            words = [w.strip(".,;:!?\"'()«»—") for p in paras for w in p.split()]
            self.vocab.setdefault(art["lang"], []).extend(w for w in words if len(w) > 2)
        rng = random.Random(seed)
        alphabet = string.ascii_letters + string.digits
        self.filler = "".join(rng.choices(alphabet, k=_FILLER_LEN))

    def prose(self, rng: random.Random, lang: str, sentences: int) -> str:
        vocab = self.vocab[lang]
        out = []
        for _ in range(sentences):
            words = rng.choices(vocab, k=rng.randint(8, 20))
            out.append(" ".join(words).capitalize() + ".")
        return " ".join(out)

    def article(self, i: int, rng: random.Random | None = None) -> dict[str, Any]:
        """The demo-article dict (as `seeds.build.render` takes it) of page `i`."""
        rng = rng or random.Random(f"{self.seed}:{i}")
        src = dict(rng.choice(self.articles))
        lang = src["lang"]
        own = [p for p in src["body"].split("\n") if p.strip()]
        rng.shuffle(own)
        others = rng.sample(self.paragraphs[lang], k=rng.randint(0, 12))
        prose = [self.prose(rng, lang, rng.randint(2, 6)) for _ in range(rng.randint(1, 5))]
        src["body"] = "\n".join(
            [*own, *others, *prose, f"Reference number {i} of this generated corpus."]
        )
        src["slug"] = f"{i}"
        src["title"] = f"{src['title']} ({i})"
        when = datetime(2025, 5, 1, tzinfo=UTC) + timedelta(minutes=7 * i)
        src["date"] = when.isoformat()
        return src

    def page(self, i: int) -> tuple[str, dict[str, Any]]:
        """(HTML with BASE_URL placeholders, the article dict) of page `i`."""
        from seeds.build import render

        rng = random.Random(f"{self.seed}:{i}")
        art = self.article(i, rng)
        size = int(math.exp(rng.uniform(math.log(2_000), math.log(150_000))))
        start = rng.randrange(_FILLER_LEN - size)
        script = f'<script>window.__STATE__ = "{self.filler[start : start + size]}";</script>\n'
        html_text = render(art).replace("</head>", script + "</head>", 1)
        return html_text, art


def feed_xml(index: int, items: list[dict[str, Any]]) -> str:
    """RSS 2.0 (two feeds in three) or Atom (every third) for generated articles."""
    if index % 3 == 2:
        entries = "".join(
            f"<entry><title>{html.escape(a['title'])}</title>"
            f'<link href="{BASE_URL}/articles/{a["slug"]}.html"/>'
            f"<id>urn:bench:{a['slug']}</id><updated>{a['date']}</updated>"
            f"<author><name>{html.escape(a['author'])}</name></author></entry>\n"
            for a in items
        )
        return (
            '<?xml version="1.0" encoding="utf-8"?>\n'
            f'<feed xmlns="http://www.w3.org/2005/Atom"><title>feed {index}</title>'
            f'<link href="{BASE_URL}/"/><id>urn:bench:feed:{index}</id>'
            f"<updated>{items[0]['date'] if items else '2025-05-01T00:00:00+00:00'}</updated>\n"
            f"{entries}</feed>\n"
        )
    entries = "".join(
        f"<item><title>{html.escape(a['title'])}</title>"
        f"<link>{BASE_URL}/articles/{a['slug']}.html</link>"
        f'<guid isPermaLink="false">bench-{a["slug"]}</guid>'
        f"<pubDate>{format_datetime(datetime.fromisoformat(a['date']))}</pubDate></item>\n"
        for a in items
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
        f"<title>feed {index}</title><link>{BASE_URL}/</link>\n{entries}</channel></rss>\n"
    )


def build_corpus(name: str, articles: int, items_per_feed: int, seed: int = 1) -> Corpus:
    """Write (or reuse, when already complete) a generated corpus under `bench/corpus/<name>`.

    Feed `f` lists articles `f * items_per_feed …`, newest first. A `manifest.json`, written
    last, marks a complete corpus with its parameters.
    """
    root = CORPUS_ROOT / name
    params = {"articles": articles, "items_per_feed": items_per_feed, "seed": seed, "v": 1}
    manifest = root / "manifest.json"
    if manifest.exists():
        data = json.loads(manifest.read_text())
        if {k: data.get(k) for k in params} == params:
            return Corpus(root, articles, data["feeds"], items_per_feed, seed, data["bytes"])
    (root / "articles").mkdir(parents=True, exist_ok=True)
    (root / "feeds").mkdir(parents=True, exist_ok=True)
    maker = PageMaker(seed)
    feeds = -(-articles // items_per_feed)
    total = 0
    for f in range(feeds):
        items = []
        for i in range(f * items_per_feed, min(articles, (f + 1) * items_per_feed)):
            page, art = maker.page(i)
            data = page.encode()
            total += len(data)
            (root / "articles" / f"{i}.html").write_bytes(data)
            items.append(art)
        items.reverse()
        (root / "feeds" / f"{f}.xml").write_text(feed_xml(f, items), "utf-8")
    (root / "robots.txt").write_text("User-agent: *\nAllow: /\n", "utf-8")
    manifest.write_text(json.dumps({**params, "feeds": feeds, "bytes": total}))
    return Corpus(root, articles, feeds, items_per_feed, seed, total)


# --- Serving a corpus on loopback ----------------------------------------------------------


@contextlib.contextmanager
def serve_corpus(root: Path, hosts: int = 1) -> Iterator[list[str]]:
    """Serve `root` from `hosts` servers on 127.0.0.1, 127.0.0.2, … (each its own host for
    the fetcher's per-host limits); yields their base URLs. Links in the pages and feeds
    point at the server that served them."""
    with contextlib.ExitStack() as stack:
        yield [
            stack.enter_context(serve_directory(root, host=f"127.0.0.{h + 1}"))
            for h in range(hosts)
        ]


def write_config(config_dir: Path, feed_urls: list[str], settings: dict[str, Any]) -> Path:
    """A config directory (feeds.yaml, settings.yaml) as a user would write it; the shipped
    rules and gazetteer apply."""
    config_dir.mkdir(parents=True, exist_ok=True)
    feeds = [{"url": url, "name": f"feed {i}"} for i, url in enumerate(feed_urls)]
    (config_dir / "feeds.yaml").write_text(yaml.safe_dump({"feeds": feeds}), "utf-8")
    (config_dir / "settings.yaml").write_text(yaml.safe_dump(settings), "utf-8")
    return config_dir


# --- Memory and file descriptors of a process tree -----------------------------------------


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as fh:
                stat = fh.read()
        except OSError:
            continue
        ppid = int(stat[stat.rindex(b")") + 2 :].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    return children


def process_tree(pid: int) -> list[int]:
    """`pid` and all its descendants (extraction pool workers hang under the forkserver)."""
    children = _children_map()
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/status", "rb") as fh:
            for line in fh:
                if line.startswith(b"VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _fds(pid: int) -> int:
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return 0


@dataclass(slots=True)
class TreeSample:
    t: float
    tree_rss_kb: int
    main_rss_kb: int
    fds: int
    procs: int
    child_rss_kb: int
    """The largest single descendant (an extraction worker, the forkserver)."""


class TreeSampler(threading.Thread):
    """Samples VmRSS and open file descriptors of a process and its descendants.

    The tree figure is the sum of VmRSS, so pages that forked workers share with their parent
    count once per process: an upper bound of what the tree holds.
    """

    def __init__(self, pid: int, interval_s: float = 0.1) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.interval_s = interval_s
        self.samples: list[TreeSample] = []
        self._stop_event = threading.Event()

    def sample(self) -> TreeSample:
        rss = {p: _rss_kb(p) for p in process_tree(self.pid)}
        main = rss.pop(self.pid, 0)
        return TreeSample(
            time.time(),
            main + sum(rss.values()),
            main,
            sum(_fds(p) for p in [self.pid, *rss]),
            1 + len(rss),
            max(rss.values(), default=0),
        )

    def run(self) -> None:
        while not self._stop_event.is_set():
            self.samples.append(self.sample())
            self._stop_event.wait(self.interval_s)

    def stop(self) -> None:
        self._stop_event.set()
        self.join()

    def peaks(self, start: float = 0.0, end: float = math.inf) -> dict[str, float]:
        window = [s for s in self.samples if start <= s.t <= end] or self.samples
        return {
            "peak_rss_mb": round(max(s.tree_rss_kb for s in window) / 1024, 1),
            "peak_main_rss_mb": round(max(s.main_rss_kb for s in window) / 1024, 1),
            "peak_child_rss_mb": round(max(s.child_rss_kb for s in window) / 1024, 1),
            "peak_fds": max(s.fds for s in window),
            "peak_processes": max(s.procs for s in window),
        }


@dataclass(slots=True)
class Measured:
    returncode: int
    result: dict[str, Any]
    stderr: str
    wall_s: float
    sampler: TreeSampler
    marks: list[tuple[str, float]]
    """(label, epoch seconds) at the end of each step of the run, as the child reported them."""
    stalled: bool = False


def step_peaks(m: Measured) -> dict[str, Any]:
    """Peak RSS (MB) of the tree and of the main process between consecutive marks: before
    the batches (plan, poll, new entries), per micro-batch (first, median, last, max, and how
    many), and while sending alerts. Flat memory means the batch peaks do not climb."""

    def peak(start: float, end: float) -> tuple[float, float]:
        # A step shorter than the sampling interval has no sample of its own: take the
        # nearest sample after it.
        window = [s for s in m.sampler.samples if start <= s.t <= end] or [
            s for s in m.sampler.samples if s.t > end
        ][:1]
        if not window:
            return 0.0, 0.0
        return (
            round(max(s.tree_rss_kb for s in window) / 1024, 1),
            round(max(s.main_rss_kb for s in window) / 1024, 1),
        )

    out: dict[str, Any] = {}
    batches: list[tuple[float, float]] = []
    when = dict(m.marks)
    if "start" in when and "new-entries" in when:
        tree, main = peak(when["start"], when["new-entries"])
        out["before_batches"] = {"tree_mb": tree, "main_mb": main}
    for (_, prev), (label, end) in itertools.pairwise(m.marks):
        if label.startswith("batch "):
            batches.append(peak(prev, end))
        elif label == "alerts":
            tree, main = peak(prev, end)
            out["alerts"] = {"tree_mb": tree, "main_mb": main}
    if batches:
        trees = [b[0] for b in batches]
        out["batches"] = {
            "count": len(batches),
            "first_tree_mb": trees[0],
            "median_tree_mb": statistics.median(trees),
            "last_tree_mb": trees[-1],
            "max_tree_mb": max(trees),
            "max_main_mb": max(b[1] for b in batches),
        }
    return out


MARK = "@mark "
"""Prefix of the progress lines a measured child writes to stderr (see `run_monitor`)."""
_MARKS_ENV = "NEWSWATCH_BENCH_MARKS"


def _kill_tree(pid: int) -> None:
    """Kill a child we started and every process under it, leaves first."""
    for p in reversed(process_tree(pid)):
        with contextlib.suppress(ProcessLookupError):
            os.kill(p, 9)


def run_measured(
    args: list[str], interval_s: float = 0.1, stall_s: float = 300, timeout_s: float = 4 * 3600
) -> Measured:
    """Run `python -m bench.common <args>` in its own process while sampling its tree.

    The child prints one JSON object as its last stdout line (see `main` below) and progress
    marks on stderr. It is killed, with its descendants, when no mark arrived for `stall_s`
    seconds (a hung extraction pool, say) or after `timeout_s`; `stalled` then says so.
    """
    start = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bench.common", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, _MARKS_ENV: "1"},
    )
    sampler = TreeSampler(proc.pid, interval_s)
    sampler.start()
    marks: list[tuple[str, float]] = []
    err_lines: list[str] = []
    out_lines: list[str] = []

    def read_err() -> None:
        assert proc.stderr is not None
        for line in proc.stderr:
            if line.startswith(MARK):
                label, _, when = line[len(MARK) :].rstrip().rpartition(" ")
                marks.append((label, float(when)))
            else:
                err_lines.append(line)

    def read_out() -> None:
        assert proc.stdout is not None
        out_lines.extend(proc.stdout)

    readers = [threading.Thread(target=f, daemon=True) for f in (read_err, read_out)]
    for reader in readers:
        reader.start()
    stalled = False
    while proc.poll() is None:
        now = time.time()
        last = marks[-1][1] if marks else now - (time.perf_counter() - start)
        if now - last > stall_s or time.perf_counter() - start > timeout_s:
            stalled = True
            _kill_tree(proc.pid)
            proc.wait()
            break
        time.sleep(0.5)
    for reader in readers:
        reader.join(timeout=10)
    sampler.stop()
    lines = [line for line in out_lines if line.startswith("{")]
    result = json.loads(lines[-1]) if lines else {}
    return Measured(
        proc.returncode,
        result,
        "".join(err_lines),
        time.perf_counter() - start,
        sampler,
        marks,
        stalled,
    )


def mark(label: str) -> None:
    """Report progress to a measuring parent (`run_measured`), if there is one."""
    if os.environ.get(_MARKS_ENV) != "1":
        return
    sys.stderr.write(f"{MARK}{label} {time.time():.3f}\n")
    sys.stderr.flush()


# --- One monitor run, as `newswatch run` does it ------------------------------------------


def trim_summary(summary: dict[str, Any]) -> dict[str, Any]:
    """A run summary without its per-article lists (which grow with the backfill): counts,
    failures per status and the first few errors."""
    failed = summary["articles_failed"]
    summary["new_matches"] = summary.pop("new_match_counts")
    summary["articles_failed"] = summary.pop("articles_failed_count")
    summary["article_errors"] = [f"{a['url']}: {a['error']}" for a in failed[:5]]
    summary["feed_errors"] = summary["feed_errors"][:5]
    summary["feed_warnings"] = len(summary["feed_warnings"])
    return summary


def run_monitor(config_dir: Path, db: Path, force_all: bool = False) -> dict[str, Any]:
    """One monitor run without Prefect: the run composition that `newswatch run` and the
    `monitor` flow call (`pipelines.run.compose.run_monitor`) with its plain steps, marking
    the end of each step (`mark`): plan, poll, new-entries, batch k/n, alerts."""
    import asyncio

    from pipelines.config import load_config
    from pipelines.rules import load_ruleset
    from pipelines.run.compose import RunRequest, Steps
    from pipelines.run.compose import run_monitor as compose_run

    config = load_config(config_dir)
    ruleset = load_ruleset(config.rules_path, config.entities_path)
    request = RunRequest(config, ruleset, db, force_all)
    summary = asyncio.run(compose_run(request, Steps(on_mark=mark)))
    return trim_summary(summary.to_dict())


def run_flow(config_dir: Path, db: Path, force_all: bool = False) -> dict[str, Any]:
    """One run of the real Prefect flow (`newswatch run`), summary trimmed as above. Marks
    only its end: the flow reports stage durations, not when each batch ended."""
    from flows.cli_common import quiet_prefect
    from flows.monitor import run_once

    quiet_prefect()
    summary = trim_summary(run_once(str(config_dir), str(db), force_all=force_all))
    mark("alerts")
    return summary


def main() -> None:
    """`python -m bench.common run-monitor CONFIG_DIR DB [--flow] [--due-only]`: the measured
    child. Its JSON summary goes to stdout, progress marks to stderr."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m bench.common")
    sub = parser.add_subparsers(dest="command", required=True)
    run = sub.add_parser("run-monitor", help="one monitor run; its JSON summary on stdout")
    run.add_argument("config_dir", type=Path)
    run.add_argument("db", type=Path)
    run.add_argument("--flow", action="store_true", help="the real Prefect flow (run_once)")
    run.add_argument("--due-only", action="store_true", help="only due feeds (a scheduled run)")
    args = parser.parse_args()
    start = time.time()
    mark("start")
    runner = run_flow if args.flow else run_monitor
    summary = runner(args.config_dir, args.db, force_all=not args.due_only)
    summary["process_start"] = start
    sys.stdout.write(json.dumps(summary, default=str) + "\n")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
