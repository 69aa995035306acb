"""Make botocore load the bedrock service model bundled next to this package.

The Lambda runtime ships an older botocore that rejects newer request fields (``rftConfig`` ...)
client-side. botocore searches the folders in ``AWS_DATA_PATH`` before its own data, so prepending
the bundled ``data/`` folder makes any botocore since the gzip-aware loader use the current model.
The variable is read when a botocore session builds its loader, so set it before creating a client.

The bundle holds only the operations this runtime calls (and the shapes they reach, every exception shape, no
documentation), written from the installed botocore by ``tools/bundle_service_model.py``: a client on it has no
method for any other Bedrock operation. Paginators and waiters still come from the runtime's own botocore.
"""

from __future__ import annotations

import os
from collections.abc import MutableMapping
from pathlib import Path

DATA_PATH = str(Path(__file__).resolve().parent / "data")


def use_bundled_service_model(environ: MutableMapping[str, str] = os.environ) -> str:
    """Prepend the bundled data folder to ``AWS_DATA_PATH`` (once) and return the new value."""
    existing = [p for p in environ.get("AWS_DATA_PATH", "").split(os.pathsep) if p]
    if existing[:1] != [DATA_PATH]:
        existing = [DATA_PATH, *(p for p in existing if p != DATA_PATH)]
    environ["AWS_DATA_PATH"] = os.pathsep.join(existing)
    return environ["AWS_DATA_PATH"]
