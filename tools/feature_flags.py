"""The feature flags ``cdk init`` writes into a new app's cdk.json, for the installed aws-cdk-lib.

They are aws-cdk-lib's own ``CURRENTLY_RECOMMENDED_FLAGS`` plus its ``NEW_PROJECT_DEFAULT_CONTEXT`` (cx-api), read
from the library's jsii bundle with Node. ``python tools/feature_flags.py`` prints them as JSON;
``--write`` puts them into cdk.json's ``context`` (run it after upgrading aws-cdk-lib; tests/unit/test_cdk_cli.py
fails until then).
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
NODE = ROOT / ".tools" / "node_modules" / ".bin" / "node"
_FILES = ("package/cx-api/lib/features.js", "package/cx-api/lib/private/flag-modeling.js")
_PRINT = (
    "const f = require(process.argv[1]);"
    "console.log(JSON.stringify({...f.CURRENTLY_RECOMMENDED_FLAGS, ...f.NEW_PROJECT_DEFAULT_CONTEXT}));"
)


def recommended_flags() -> dict[str, Any]:
    spec = importlib.util.find_spec("aws_cdk")  # found, not imported: importing would start jsii's Node
    assert spec is not None and spec.submodule_search_locations, "aws-cdk-lib is not installed"
    package = Path(next(iter(spec.submodule_search_locations)))
    bundle = next((package / "_jsii").glob("aws-cdk-lib@*.jsii.tgz"))
    with tempfile.TemporaryDirectory() as folder, tarfile.open(bundle) as archive:
        for name in _FILES:
            archive.extract(name, folder, filter="data")
        script = str(Path(folder) / _FILES[0])
        output = subprocess.run(
            [str(NODE), "-e", _PRINT, script], capture_output=True, text=True, check=True, timeout=60
        ).stdout
    flags: dict[str, Any] = json.loads(output)
    return flags


def main(argv: list[str]) -> int:
    flags = recommended_flags()
    if "--write" in argv:
        path = ROOT / "cdk.json"
        config = json.loads(path.read_text())
        config["context"] = dict(sorted(flags.items()))
        path.write_text(json.dumps(config, indent=2) + "\n")
    else:
        print(json.dumps(flags, indent=2, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
