"""Which customized models Bedrock serves on demand (a custom model deployment), and in which Regions.

One entry per family of ``models.MODELS`` (by its ``ModelEntry.name``): supported, not supported, or listed
by one AWS page and not by the other (unconfirmed, a warning only). A model the catalogue does not list is a
warning too: AWS adds families over time, and Provisioned Throughput serves every custom model.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum

from .models import MODELS


class OnDemandStatus(Enum):
    SUPPORTED = "supported"
    UNSUPPORTED = "not supported"
    UNCONFIRMED = "unconfirmed"


@dataclass(frozen=True)
class OnDemand:
    """On-demand serving of a family's custom models: status, Regions (where supported) and the source's key."""

    status: OnDemandStatus
    source: str
    regions: tuple[str, ...] = ()


# on-demand: "You can deploy a custom model for on-demand inference in the following Regions: US East (N. Virginia),
# US West (Oregon)"; "Supported base models: Amazon Nova Lite, Amazon Nova Micro, Amazon Nova Pro"; models customized
# on or after 2025-07-16.
_US = ("us-east-1", "us-west-2")
_NOVA = OnDemand(OnDemandStatus.SUPPORTED, "on-demand", _US)
_NO = OnDemand(OnDemandStatus.UNSUPPORTED, "on-demand")

ON_DEMAND: dict[str, OnDemand] = {
    "Amazon Nova Micro": _NOVA,
    "Amazon Nova Lite": _NOVA,
    "Amazon Nova Pro": _NOVA,
    "Amazon Nova 2 Lite": OnDemand(OnDemandStatus.UNCONFIRMED, "on-demand"),  # not on the page yet
    # nova-on-demand lists Nova Canvas; on-demand (the Bedrock guide) does not.
    "Amazon Nova Canvas": OnDemand(OnDemandStatus.UNCONFIRMED, "nova-on-demand"),
    **{entry.name: _NO for entry in MODELS if not entry.name.startswith("Amazon Nova")},
}
"""Family name (``ModelEntry.name``) -> what the documentation says about serving its custom models on demand."""

# arn:aws:bedrock:<region>:<account>:custom-model/<base model id>/<12 characters>
_CUSTOM_MODEL_ARN = re.compile(
    r"^arn:aws[a-z-]*:bedrock:[a-z0-9-]*:[0-9]{12}:custom-model/(?P<base>[^/]+)/[a-z0-9]{12}$"
)


def base_model_of(custom_model_arn: str) -> str | None:
    """The base model id a custom model ARN names (``custom-model/amazon.nova-micro-v1:0:128k/abc...``), else None."""
    match = _CUSTOM_MODEL_ARN.match(custom_model_arn)
    if match is None or match.group("base") == "imported":
        return None
    return match.group("base")


def on_demand(model_id: str | None) -> tuple[str, OnDemand] | None:
    """The family name and its on-demand entry for a base model id, or None where the catalogue has no entry."""
    from . import model_entry

    entry = model_entry(model_id)
    if entry is None:
        return None
    found = ON_DEMAND.get(entry.name)
    return (entry.name, found) if found is not None else None
