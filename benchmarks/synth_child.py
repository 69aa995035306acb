"""One timed synth: ``python benchmarks/synth_child.py KIND N OUTDIR [--shared-role]``.

The parent times this whole process (interpreter start, imports, jsii kernel start, construction,
``app.synth()``, exit). The phase split printed here as JSON only explains where that time went.
"""

from __future__ import annotations

import time

T0 = time.perf_counter()

import json  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))
# constructs_lib and lambda_src of the checkout these benchmarks belong to (before any installed copy).
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main(argv: list[str]) -> None:
    kind, n, outdir = argv[0], int(argv[1]), argv[2]
    shared_role = "--shared-role" in argv[3:]
    import aws_cdk  # noqa: F401  (starts the jsii kernel and loads aws-cdk-lib)

    t_cdk = time.perf_counter()
    import stacks

    if kind != "empty":
        import constructs_lib  # noqa: F401

    t_lib = time.perf_counter()
    app = stacks.build_app(kind, n, outdir, shared_role=shared_role)
    t_build = time.perf_counter()
    app.synth()
    t_synth = time.perf_counter()
    phases = {
        "import_aws_cdk": t_cdk - T0,
        "import_lib": t_lib - t_cdk,
        "construct": t_build - t_lib,
        "synth": t_synth - t_build,
    }
    print(json.dumps(phases))


if __name__ == "__main__":
    main(sys.argv[1:])
