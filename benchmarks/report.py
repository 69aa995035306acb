"""Targets (PASS/MISS), markdown tables and the plot, from the results dict that run.py assembles."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import templates

LABELS = {
    "ours": "ours, submitted",
    "ours-wait": "ours, wait",
    "peer": "peer (SFN task)",
    "empty": "empty stack",
}
PEER_AT = 20


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _wall(results: dict[str, Any], kind: str, n: int, section: str = "synth") -> float | None:
    entry = results[section]["medians"].get(f"{kind}:{n}")
    return entry["wall_s"] if entry else None


def _cpu(results: dict[str, Any], kind: str, n: int, section: str = "synth") -> float | None:
    entry = results[section]["medians"].get(f"{kind}:{n}")
    return entry["cpu_s"] if entry else None


def _ratio(a: float | None, b: float | None) -> float | None:
    return a / b if a is not None and b else None


def _verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("PASS" if ok else "MISS")


def targets(results: dict[str, Any]) -> list[dict[str, Any]]:
    """Issue 7's targets, each with what was measured and PASS / MISS (None: could not be measured)."""
    empty = _wall(results, "empty", 0)
    out: list[dict[str, Any]] = []

    def add(target: str, measured: str, ok: bool | None, note: str = "") -> None:
        out.append({"target": target, "measured": measured, "ok": ok, "result": _verdict(ok), "note": note})

    for kind in [k for k in ("ours", "ours-wait") if k in results["kinds"]]:
        mode = "submitted" if kind == "ours" else "wait"
        failed = results["synth"]["matrix"]["failures"].get(kind)
        for n, limit in ((1, 1.2), (50, 1.5), (100, 2.0)):
            r = _ratio(_wall(results, kind, n), empty)
            label = f"{n} job{'s' if n > 1 else ''} ({mode}) synthesize within {limit}x of an empty stack"
            if r is None and failed is not None and n >= failed["n"]:
                largest = results.get("synth_limits", {}).get(kind, {}).get("largest_ok", "?")
                add(label, f"does not synthesize (at most {largest} jobs per stack)", False, failed["reason"])
                continue
            cpu = _ratio(_cpu(results, kind, n), _cpu(results, "empty", 0))
            add(label, f"{r:.2f}x (CPU time: {cpu:.2f}x)" if r and cpu else "n/a", None if r is None else r <= limit)
        r = _ratio(_wall(results, kind, PEER_AT), _wall(results, "peer", PEER_AT))
        cpu = _ratio(_cpu(results, kind, PEER_AT), _cpu(results, "peer", PEER_AT))
        add(
            f"{PEER_AT} jobs ({mode}) no slower than the peer with {PEER_AT} tasks",
            f"{r:.2f}x the peer (CPU time: {cpu:.2f}x)" if r and cpu else "n/a",
            None if r is None else r <= 1.0,
        )

    fp = results["footprint"]
    sub_default, sub_shared = fp.get("ours:default"), fp.get("ours:shared")
    if sub_default:
        add(
            "Submitted mode: at most 3 resources per job, default role",
            f"{sub_default['resources_per_job']:g}",
            sub_default["resources_per_job"] <= 3,
        )
    if sub_shared:
        add(
            "Submitted mode: at most 1 resource per job, shared role",
            f"{sub_shared['resources_per_job']:g} (1 -> 10 jobs)",
            sub_shared["resources_per_job"] <= 1,
            _overflow_note(sub_shared),
        )
    if sub_default:
        add(
            "A stack holds at least 150 jobs (submitted, default role)",
            _caps_text(sub_default),
            (sub_default["max_jobs"] or 0) >= 150,
        )
    if sub_shared:
        add(
            "A stack holds at least 150 jobs (submitted, one shared role)",
            _caps_text(sub_shared),
            (sub_shared["max_jobs"] or 0) >= 150,
        )
    wait_default = fp.get("ours-wait:default")
    if wait_default:
        add(
            "Wait mode: at most 6 resources per job",
            f"{wait_default['resources_per_job']:g} (default role)",
            wait_default["resources_per_job"] <= 6,
        )
    else:
        add("Wait mode: at most 6 resources per job", "Completion.wait not in constructs_lib yet", None)

    cold = results["cold_start"]
    add(
        "Handler import within 1.3x of `import boto3`",
        f"{cold['import_ratio']:.2f}x ({cold['handler_import_s'] * 1000:.0f} ms vs "
        f"{cold['boto3_import_s'] * 1000:.0f} ms)",
        cold["import_ratio"] <= 1.3,
    )
    zipped = cold["asset"]["zip_bytes"]
    add("Code asset under 200 KB zipped", f"{zipped / 1024:.1f} KiB", zipped < 200 * 1024)

    create = next((c for c in results["api_calls"] if c["scenario"] == "create"), None)
    if create:
        n_create = create["by_operation"].get("CreateModelCustomizationJob", 0)
        add(
            "Create makes exactly one CreateModelCustomizationJob call (happy path)",
            f"{n_create} CreateModelCustomizationJob, {create['calls']} calls in all",
            n_create == 1 and create["error"] is None,
        )
    return out


def _caps_text(row: dict[str, Any]) -> str:
    parts = [f"{row['max_jobs']} jobs"]
    detail = [f"{row['by_resources']} by the 500-resource limit", f"{row['by_template_bytes']} by the 1 MiB template"]
    if row.get("by_iam_managed_policies") is not None:
        detail.append(f"~{row['by_iam_managed_policies']} by IAM's 10 managed policies per role")
    if row.get("by_synth") is not None:
        detail.append(f"{row['by_synth']} by what synthesizes: {row['synth_limit_reason']}")
    return f"{parts[0]} ({'; '.join(detail)})"


def _overflow_note(row: dict[str, Any]) -> str:
    managed = row["managed_policies_at"]
    top = max(managed)
    if not managed[top]:
        return ""
    return (
        f"but the shared role's policy overflows into {managed[top]} AWS::IAM::ManagedPolicy at {top} jobs "
        f"({row['resources_at'][top]} resources, not {round(row['fixed_resources'] + top * row['resources_per_job'])})"
    )


def _fmt_s(value: float | None) -> str:
    return f"{value:.2f}" if value is not None else "-"


def _fmt_x(value: float | None) -> str:
    return f"{value:.2f}x" if value is not None else "-"


def markdown(results: dict[str, Any]) -> str:
    m = results["machine"]
    matrix = results["synth"]["matrix"]
    med = results["synth"]["medians"]
    kinds = results["kinds"]
    lines: list[str] = []
    w = lines.append
    w("## Machine and run")
    w("")
    w(
        f"{m['cores']} cores ({m['cpu']}), {m['memory']} RAM, {m['os']}; Python {m['python']}, Node {m['node']} "
        f"(jsii kernel), aws-cdk-lib {m['aws-cdk-lib']}, jsii {m['jsii']}, boto3 {m['boto3']}."
    )
    w(
        f"Synth runs per case: {matrix['reps']} below {matrix['large_from']} jobs, {matrix['reps_large']} at "
        f"{matrix['large_from']} and 100 jobs; kinds alternate within each round. Load average (1/5/15 min) "
        f"during the synth runs: {matrix['load_averages'][0]} at the start, {matrix['load_averages'][-1]} at "
        f"the end; synth runs took {matrix['elapsed_s'] / 60:.1f} min."
    )
    for error in matrix.get("errors", []):
        w("")
        w(
            f"Left out: round {error['round']}, {LABELS[error['kind']]} n={error['n']} failed although that size "
            f"synthesized in another round: {error['reason']}"
        )
    for kind, limit in results.get("synth_limits", {}).items():
        w("")
        w(
            f"{LABELS[kind]}: a stack of {limit['smallest_failing']} such jobs does not synthesize (largest that does: "
            f"{limit['largest_ok']}): {matrix['failures'][kind]['reason']}"
        )
    if not results["wait_mode"]:
        w("")
        w("Wait mode: skipped -- `constructs_lib.Completion` has no `wait` factory in this checkout.")
    w("")
    w("## Synth time (whole process, median wall seconds)")
    w("")
    header = ["Jobs"]
    for kind in kinds:
        header += [LABELS[kind], "x empty"]
    header += ["ours / peer"] + (["wait / peer"] if "ours-wait" in kinds else [])
    w("| " + " | ".join(header) + " |")
    w("|" + "---|" * len(header))
    empty = _wall(results, "empty", 0)
    empty_runs = med.get("empty:0", {}).get("runs", 0)
    w(f"| 0 (empty stack) | {_fmt_s(empty)} (n={empty_runs:.0f}) |" + " |" * (len(header) - 2))
    for n in results["ns"]:
        row = [str(n)]
        for kind in kinds:
            value = _wall(results, kind, n)
            runs = med.get(f"{kind}:{n}", {}).get("runs", 0)
            failed = matrix["failures"].get(kind)
            if value is None and failed is not None and n >= failed["n"]:
                row += ["does not synthesize", "-"]
                continue
            row += [f"{_fmt_s(value)} (n={runs:.0f})", _fmt_x(_ratio(value, empty))]
        row.append(_fmt_x(_ratio(_wall(results, "ours", n), _wall(results, "peer", n))))
        if "ours-wait" in kinds:
            row.append(_fmt_x(_ratio(_wall(results, "ours-wait", n), _wall(results, "peer", n))))
        w("| " + " | ".join(row) + " |")
    w("")
    w("The same runs in CPU time (user + system of the Python process and its jsii Node kernel, median):")
    w("")
    header = ["Jobs"] + [f"{LABELS[k]} CPU s, x empty" for k in kinds] + ["ours / peer"]
    w("| " + " | ".join(header) + " |")
    w("|" + "---|" * len(header))
    empty_cpu = _cpu(results, "empty", 0)
    w(f"| 0 (empty stack) | {_fmt_s(empty_cpu)} |" + " |" * (len(header) - 2))
    for n in results["ns"]:
        row = [str(n)]
        for kind in kinds:
            value = _cpu(results, kind, n)
            row.append(f"{_fmt_s(value)}, {_fmt_x(_ratio(value, empty_cpu))}" if value is not None else "-")
        row.append(_fmt_x(_ratio(_cpu(results, "ours", n), _cpu(results, "peer", n))))
        w("| " + " | ".join(row) + " |")
    bare = results.get("synth_without_validation")
    if bare and bare["medians"]:
        bm = bare["matrix"]
        w("")
        w(
            "Without CDK's built-in template validation (`CDK_VALIDATION=false`; aws-cdk-lib 2.275 runs a WASM "
            f"rules engine inside `app.synth()`), median wall / CPU seconds of {bm['reps']}-{bm['reps_large']} runs:"
        )
        w("")
        w(
            "| Jobs | empty stack | ours, submitted | x empty (wall / CPU) | peer | x empty (wall / CPU) "
            "| ours / peer (wall / CPU) |"
        )
        w("|---|---|---|---|---|---|---|")
        e_w, e_c = (
            _wall(results, "empty", 0, "synth_without_validation"),
            _cpu(results, "empty", 0, "synth_without_validation"),
        )
        w(f"| 0 | {_fmt_s(e_w)} / {_fmt_s(e_c)} | | | | | |")
        for n in sorted({int(k.split(":")[1]) for k in bare["medians"] if not k.startswith("empty")}):
            o_w, o_c = (
                _wall(results, "ours", n, "synth_without_validation"),
                _cpu(results, "ours", n, "synth_without_validation"),
            )
            p_w, p_c = (
                _wall(results, "peer", n, "synth_without_validation"),
                _cpu(results, "peer", n, "synth_without_validation"),
            )
            w(
                f"| {n} | | {_fmt_s(o_w)} / {_fmt_s(o_c)} | {_fmt_x(_ratio(o_w, e_w))} / {_fmt_x(_ratio(o_c, e_c))} | "
                f"{_fmt_s(p_w)} / {_fmt_s(p_c)} | {_fmt_x(_ratio(p_w, e_w))} / {_fmt_x(_ratio(p_c, e_c))} | "
                f"{_fmt_x(_ratio(o_w, p_w))} / {_fmt_x(_ratio(o_c, p_c))} |"
            )
    w("")
    w("Where the time goes (median seconds inside the child process; CPU = user+sys of Python and Node):")
    w("")
    w("| Case | import aws_cdk | import lib | construct | app.synth() | wall | CPU |")
    w("|---|---|---|---|---|---|---|")
    for key in ["empty:0"] + [f"{k}:{n}" for k in kinds for n in (1, 20, 100)]:
        if key not in med:
            continue
        e = med[key]
        kind, n = key.split(":")
        w(
            f"| {LABELS[kind]}, {n} | {e['import_aws_cdk']:.2f} | {e['import_lib']:.2f} | {e['construct']:.2f} | "
            f"{e['synth']:.2f} | {e['wall_s']:.2f} | {e['cpu_s']:.2f} |"
        )
    w("")
    w("## CloudFormation footprint")
    w("")
    w(
        "| Kind | Role | Resources / added job | Fixed resources | Template bytes / added job | Resources at "
        "10 / 100 jobs | Managed policies at 100 | Jobs per stack |"
    )
    w("|---|---|---|---|---|---|---|---|")
    for row in results["footprint"].values():
        res = row["resources_at"]
        w(
            f"| {LABELS[row['kind']]} | {row['role']} | {row['resources_per_job']:g} | {row['fixed_resources']:g} | "
            f"{row['bytes_per_job']:,.0f} | {res.get(10, '-')} / {res.get(100, '-')} | "
            f"{row['managed_policies_at'].get(100, '-')} | {_caps_text(row)} |"
        )
    w("")
    cold = results["cold_start"]
    w("## Handler cold start and code asset")
    w("")
    w("| Measure | Handler | boto3 alone | Ratio |")
    w("|---|---|---|---|")
    w(
        f"| import in a fresh process (median of {cold['runs']}) | {cold['handler_import_s'] * 1000:.0f} ms | "
        f"{cold['boto3_import_s'] * 1000:.0f} ms | {cold['import_ratio']:.2f}x |"
    )
    w(
        f"| whole process `python -c 'import ...'` | {cold['handler_process_s'] * 1000:.0f} ms | "
        f"{cold['boto3_process_s'] * 1000:.0f} ms | {cold['process_ratio']:.2f}x |"
    )
    w(
        f"| import + first bedrock client (median of {cold['client_runs']}) | "
        f"{cold['handler_import_and_client_s'] * 1000:.0f} ms | {cold['boto3_import_and_client_s'] * 1000:.0f} ms | "
        f"{cold['client_ratio']:.2f}x |"
    )
    a = cold["asset"]
    staged = cold.get("staged_asset")
    w("")
    w(
        f"Code asset: {a['zip_bytes'] / 1024:.1f} KiB zipped ({a['unzipped_bytes'] / 1024:.1f} KiB, {a['files']} "
        f"files); the asset directory CDK staged in cdk.out zips to "
        + (f"{staged['zip_bytes'] / 1024:.1f} KiB." if staged else "n/a.")
        + " Largest files: "
        + ", ".join(f"{name} ({size / 1024:.1f} KiB)" for name, size in cold["asset_largest_files"])
        + "."
    )
    w("")
    w("## Bedrock API calls per lifecycle (botocore Stubber)")
    w("")
    w("| Lifecycle | Calls | Per event | Calls in order |")
    w("|---|---|---|---|")
    for c in results["api_calls"]:
        seq = ", ".join(c["sequence"]) + (f" -- ERROR {c['error']}" if c["error"] else "")
        w(f"| {c['description']} | {c['calls']} | {' + '.join(map(str, c['per_event']))} | {seq} |")
    w("")
    w("## Targets (issue 7)")
    w("")
    w("| Target | Measured | Result |")
    w("|---|---|---|")
    for t in results["targets"]:
        note = f" -- {t['note']}" if t["note"] else ""
        w(f"| {t['target']} | {t['measured']}{note} | **{t['result']}** |")
    return "\n".join(lines)


def plot(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    colors = {"ours": "tab:blue", "ours-wait": "tab:purple", "peer": "tab:orange"}
    fig, axes = plt.subplots(1, 3, figsize=(16, 4.8))
    ns = results["ns"]
    samples = results["synth"]["matrix"]["samples"]
    empty = _wall(results, "empty", 0)

    ax = axes[0]
    for kind in results["kinds"]:
        xs, ys, lo, hi = [], [], [], []
        for n in ns:
            runs = [r["wall_s"] for r in samples.get(f"{kind}:{n}", [])]
            value = _wall(results, kind, n)
            if value is None:
                continue
            xs.append(n)
            ys.append(value)
            lo.append(value - min(runs))
            hi.append(max(runs) - value)
        ax.errorbar(
            xs, ys, yerr=[lo, hi], marker="o", capsize=3, lw=1.5, elinewidth=0.8, label=LABELS[kind], color=colors[kind]
        )
        cpu = [(n, _cpu(results, kind, n)) for n in ns if _cpu(results, kind, n) is not None]
        ax.plot([n for n, _ in cpu], [c for _, c in cpu], ":", marker=".", color=colors[kind], alpha=0.7)
        limit = results.get("synth_limits", {}).get(kind)
        if limit and xs:
            ax.annotate(
                f"{LABELS[kind]}: {limit['smallest_failing']}+ jobs\ndo not synthesize",
                (xs[-1], ys[-1]),
                textcoords="offset points",
                xytext=(8, -18),
                fontsize=7,
                color=colors[kind],
            )
    ax.plot([], [], "k:", marker=".", label="same runs, CPU seconds")
    if empty:
        ax.axhline(empty, color="grey", linestyle=":", label=f"empty stack ({empty:.1f} s)")
        ax.plot(
            [1, 50, 100], [1.2 * empty, 1.5 * empty, 2.0 * empty], "kx--", lw=0.8, label="target (1.2/1.5/2x empty)"
        )
    ax.set_xlabel("jobs in one stack")
    ax.set_ylabel("synth, whole process (s, median; bars: min-max)")
    ax.set_title("Synth time")
    ax.set_ylim(bottom=0)
    ax.legend(fontsize=8)

    grid = list(range(0, 501, 10))
    ax = axes[1]
    for key, row in results["footprint"].items():
        kind, role = key.split(":")
        style = "-" if role == "default" else "--"
        measured = sorted(row["resources_at"].items(), key=lambda kv: int(kv[0]))
        ax.plot(
            [int(n) for n, _ in measured],
            [v for _, v in measured],
            style,
            marker="o",
            color=colors[kind],
            label=f"{LABELS[kind]}, {role} role",
        )
        fit = [row["fit_fixed_resources"] + row["fit_resources_per_job"] * n for n in grid]
        ax.plot(grid, fit, style, color=colors[kind], alpha=0.3)
    ax.axhline(templates.STACK_RESOURCE_LIMIT, color="red", lw=1, label="500 resources per stack")
    ax.set_xlim(0, 500)
    ax.set_ylim(0, 800)
    ax.set_xlabel("jobs in one stack (dots: synthesized; faint: extrapolated)")
    ax.set_ylabel("CloudFormation resources")
    ax.set_title("Resources")
    ax.legend(fontsize=7)

    ax = axes[2]
    for key, row in results["footprint"].items():
        kind, role = key.split(":")
        style = "-" if role == "default" else "--"
        measured = sorted(row["bytes_at"].items(), key=lambda kv: int(kv[0]))
        ax.plot(
            [int(n) for n, _ in measured],
            [v / 1024 for _, v in measured],
            style,
            marker="o",
            color=colors[kind],
            label=f"{LABELS[kind]}, {role} role",
        )
    ax.axhline(templates.TEMPLATE_BYTES_LIMIT / 1024, color="red", lw=1, label="1 MiB template limit")
    ax.set_xlabel("jobs in one stack")
    ax.set_ylabel("template size (KiB)")
    ax.set_title("Template size")
    ax.legend(fontsize=7)

    m = results["machine"]
    fig.suptitle(
        f"cdk-bedrock-model-customization vs aws-cdk-lib BedrockCreateModelCustomizationJob "
        f"(aws-cdk-lib {m['aws-cdk-lib']}, {m['cores']} cores)",
        fontsize=11,
    )
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)
