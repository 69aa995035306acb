"""The on-demand part of the model catalogue: one entry per family, each with a known source; ARNs read."""

from __future__ import annotations

from constructs_lib.rules import catalogue
from constructs_lib.rules.catalogue.serving import ON_DEMAND, OnDemandStatus, base_model_of, on_demand


def test_every_family_of_the_catalogue_says_whether_bedrock_serves_it_on_demand() -> None:
    assert set(ON_DEMAND) == {entry.name for entry in catalogue.MODELS}
    for family, entry in ON_DEMAND.items():
        assert entry.source in catalogue.SOURCES, family
        assert bool(entry.regions) == (entry.status is OnDemandStatus.SUPPORTED), family
    supported = sorted(f for f, e in ON_DEMAND.items() if e.status is OnDemandStatus.SUPPORTED)
    assert supported == ["Amazon Nova Lite", "Amazon Nova Micro", "Amazon Nova Pro"]


def test_a_custom_model_arn_names_its_base_model() -> None:
    arn = "arn:aws:bedrock:us-west-2:123456789012:custom-model/amazon.nova-lite-v1:0:300k/abcdef123456"
    assert base_model_of(arn) == "amazon.nova-lite-v1:0:300k"
    assert base_model_of(arn.replace("amazon.nova-lite-v1:0:300k", "imported")) is None
    assert base_model_of("arn:aws:bedrock:us-west-2:123456789012:provisioned-model/abcdef123456") is None
    found = on_demand("amazon.nova-lite-v1:0:300k")
    assert found is not None and found[0] == "Amazon Nova Lite" and found[1].regions == ("us-east-1", "us-west-2")
    assert on_demand("vendor.unknown-v1:0") is None and on_demand(None) is None
