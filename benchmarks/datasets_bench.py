"""Throughput and memory of the dataset checks (constructs_lib/datasets/) on generated JSONL files.

    .venv/bin/python benchmarks/datasets_bench.py [--sizes 20,200] [--format converse|prompt-completion|claude|rft]

The default, Converse records for Nova Micro, runs the most rules per record (the catalogue's Nova
rules: schema, turns, reserved keywords, media).

For each size (MB) it writes a file into a temporary folder, checks it once without tracing (MB/s on
one core) and once under tracemalloc (peak Python memory), then prints the ratio of the largest
file's peak to the smallest's: a streaming check keeps it near 1. Exit code 1 when a target is missed
(at least 50 MB/s; a peak ratio of at most 1.5).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

from constructs_lib.rules import datasets

TARGET_MB_PER_S = 50.0
TARGET_PEAK_RATIO = 1.5
MODELS = {
    "converse": "amazon.nova-micro-v1:0:128k",
    "prompt-completion": "amazon.titan-text-express-v1:0:8k",
    "claude": "anthropic.claude-3-haiku-20240307-v1:0:200k",
    "rft": "amazon.nova-2-lite-v1:0:256k",
}
TYPES = {"rft": "REINFORCEMENT_FINE_TUNING"}

_TOPICS = ["router", "invoice", "password", "firmware", "refund", "shipment", "warranty", "subscription", "VPN"]
_ACTIONS = ["reset", "update", "cancel", "track", "renew", "replace", "configure", "download", "transfer"]
_PHRASES = [
    "Open the admin console and choose Settings.",
    "The change takes effect within five minutes.",
    "If the light keeps blinking amber, unplug the device for thirty seconds.",
    "You can find the order number in the confirmation email.",
    "Refunds go back to the original payment method within 5-7 business days.",
    "For security, the link expires after 24 hours.",
    "Ünïcödé tëxt and emoji 🙂 are fine in training data.",
    'Quotes "like these" and back\\slashes are escaped in JSON.',
]


def _text(rng: random.Random, sentences: int) -> str:
    return " ".join(rng.choice(_PHRASES) for _ in range(sentences))


def _record(rng: random.Random, fmt: str) -> dict[str, object]:
    question = f"How do I {rng.choice(_ACTIONS)} my {rng.choice(_TOPICS)}? {_text(rng, rng.randint(0, 3))}"
    answer = _text(rng, rng.randint(2, 12))
    if fmt == "prompt-completion":
        return {"prompt": question, "completion": answer}
    if fmt == "claude":
        return {
            "system": "You are the support assistant.",
            "messages": [{"role": "user", "content": question}, {"role": "assistant", "content": answer}],
        }
    if fmt == "rft":
        return {"messages": [{"role": "user", "content": question}], "reference_answer": answer, "id": "r"}
    turns = rng.choice([1, 1, 1, 2, 3])
    messages = []
    for _ in range(turns):
        messages.append({"role": "user", "content": [{"text": question}]})
        messages.append({"role": "assistant", "content": [{"text": answer}]})
        question, answer = _text(rng, rng.randint(1, 3)), _text(rng, rng.randint(2, 8))
    return {
        "schemaVersion": "bedrock-conversation-2024",
        "system": [{"text": "You are the support assistant of Northwind Networks."}],
        "messages": messages,
    }


def generate(path: Path, megabytes: int, fmt: str, seed: int = 7) -> int:
    """Write about ``megabytes`` MB of distinct-looking records (a pool of 5,000 lines, cycled)."""
    rng = random.Random(seed)
    pool = [(json.dumps(_record(rng, fmt), ensure_ascii=False) + "\n").encode() for _ in range(5000)]
    target = megabytes * 1_000_000
    written = 0
    with path.open("wb", buffering=1 << 20) as handle:
        while written < target:
            for line in pool:
                handle.write(line)
                written += len(line)
                if written >= target:
                    break
    return written


def measure(path: Path, fmt: str) -> dict[str, float]:
    model = MODELS[fmt]
    kind = TYPES.get(fmt, "FINE_TUNING")
    start = time.perf_counter()
    report = datasets.check_file(path, model_id=model, customization_type=kind)
    seconds = time.perf_counter() - start
    assert report.ok, report.error_lines()
    tracemalloc.start()
    tracemalloc.reset_peak()
    datasets.check_file(path, model_id=model, customization_type=kind)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    size_mb = report.size_bytes / 1e6
    return {"mb": size_mb, "records": report.records, "seconds": seconds, "mb_s": size_mb / seconds, "peak": peak}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="20,200", help="file sizes in MB, comma-separated (default 20,200)")
    parser.add_argument("--format", choices=sorted(MODELS), default="converse")
    args = parser.parse_args(argv)
    sizes = [int(x) for x in args.sizes.split(",")]
    results = []
    with tempfile.TemporaryDirectory(prefix="datasets-bench-") as folder:
        for megabytes in sizes:
            path = Path(folder) / f"{args.format}-{megabytes}mb.jsonl"
            generate(path, megabytes, args.format)
            results.append(measure(path, args.format))
            path.unlink()
    print(f"dataset checks, {args.format} records ({MODELS[args.format]}), one core, Python {sys.version.split()[0]}")
    print(f"{'file':>10} {'records':>10} {'seconds':>8} {'MB/s':>8} {'peak (tracemalloc)':>20}")
    for r in results:
        size = f"{r['mb']:>8.0f}MB {r['records']:>10,.0f}"
        print(f"{size} {r['seconds']:>8.2f} {r['mb_s']:>8.1f} {r['peak'] / 1024:>17,.0f} KiB")
    ratio = results[-1]["peak"] / results[0]["peak"]
    slowest = min(r["mb_s"] for r in results)
    maxrss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak ratio {results[-1]['mb']:.0f}MB/{results[0]['mb']:.0f}MB: {ratio:.2f}")
    print(f"process max RSS (the dataset checks load no CDK libraries): {maxrss_mb:,.0f} MB")
    speed_ok = slowest >= TARGET_MB_PER_S
    ratio_ok = ratio <= TARGET_PEAK_RATIO
    print(f"target >= {TARGET_MB_PER_S:.0f} MB/s: {'met' if speed_ok else 'MISSED'} (slowest {slowest:.1f} MB/s)")
    print(f"target peak ratio <= {TARGET_PEAK_RATIO}: {'met' if ratio_ok else 'MISSED'}")
    return 0 if speed_ok and ratio_ok else 1


if __name__ == "__main__":
    sys.exit(main())
