"""The ``Tags`` property: tags from ``Tags.of(scope)`` that CDK renders as a map, merged by the handler.

The construct used to merge them into the request itself (a Python callback per job at synth); it now
hands CDK's own rendering over, and the handler merges. What the API receives must not change, and an
upgrade from a template of the old shape must be neither a new job nor a tag change.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from constructs_lib._runtime.contract import JOB_RESOURCE_TYPE, PROP_REQUEST, PROP_TAGS
from constructs_lib._runtime.customization_job.decisions import KeepJob, UpdateTags, decide_update
from constructs_lib._runtime.customization_job.errors import HandlerError
from constructs_lib._runtime.customization_job.properties import parse_event
from support.events import cfn_event

ARN = "arn:aws:bedrock:us-east-1:123456789012:model-customization-job/abc123"
BASE = {"jobName": "Job-0123456789ab", "customModelName": "Job-0123456789ab", "baseModelIdentifier": "m"}


def event(props: dict[str, Any], old: dict[str, Any] | None = None) -> dict[str, Any]:
    return cfn_event(
        "Update" if old is not None else "Create",
        JOB_RESOURCE_TYPE,
        json.loads(json.dumps(props)),  # fresh strings, as CloudFormation's JSON gives
        stack_id="arn:aws:cloudformation:us-east-1:123456789012:stack/S/1",
        logical_id="Job",
        request_id="r-1",
        physical_id=ARN,
        old_properties=None if old is None else json.loads(json.dumps(old)),
    )


def tags(**pairs: str) -> list[dict[str, str]]:
    return [{"key": k.replace("_", "-"), "value": v} for k, v in sorted(pairs.items())]


def test_scope_tags_reach_both_lists_and_a_request_tag_wins() -> None:
    request = {**BASE, "jobTags": tags(team="own")}
    parsed = parse_event(event({PROP_REQUEST: request, PROP_TAGS: {"team": "scope", "env": "prod"}})).request
    assert parsed["jobTags"] == [{"key": "env", "value": "prod"}, {"key": "team", "value": "own"}]
    assert parsed["customModelTags"] == [{"key": "env", "value": "prod"}, {"key": "team", "value": "scope"}]


def test_without_scope_tags_the_request_is_read_as_it_is() -> None:
    request = {**BASE, "jobTags": [{"key": "z", "value": "1"}, {"key": "a", "value": "2"}]}
    parsed = parse_event(event({PROP_REQUEST: request})).request
    assert parsed == request  # not re-sorted, no empty customModelTags added
    assert "customModelTags" not in parsed


@pytest.mark.parametrize("bad", [["team"], {"team": 1}, "team=ml"])
def test_malformed_scope_tags_fail_and_change_nothing(bad: Any) -> None:
    with pytest.raises(
        HandlerError, match=r"ResourceProperties\.Tags must be a map of string tags.*Nothing was changed"
    ):
        parse_event(event({PROP_REQUEST: dict(BASE), PROP_TAGS: bad}))


def test_upgrading_from_a_template_that_merged_tags_itself_changes_nothing() -> None:
    old_shape = {PROP_REQUEST: {**BASE, "jobTags": tags(a="1", team="ml"), "customModelTags": tags(team="ml")}}
    new_shape = {PROP_REQUEST: {**BASE, "jobTags": tags(a="1")}, PROP_TAGS: {"team": "ml"}}
    parsed = parse_event(event(new_shape, old=old_shape))
    assert parsed.old_request is not None
    decision = decide_update(ARN, parsed.old_request, parsed.request, names_generated=True)
    assert decision == KeepJob(ARN)


def test_a_new_scope_tag_is_a_tag_update_of_job_and_model_not_a_new_job() -> None:
    old = {PROP_REQUEST: dict(BASE), PROP_TAGS: {"team": "ml"}}
    new = {PROP_REQUEST: dict(BASE), PROP_TAGS: {"team": "ml", "env": "prod"}}
    parsed = parse_event(event(new, old=old))
    assert parsed.old_request is not None
    decision = decide_update(ARN, parsed.old_request, parsed.request, names_generated=True)
    assert isinstance(decision, UpdateTags)
    assert decision.job_tags.to_set == {"env": "prod"}
    assert decision.model_tags.to_set == {"env": "prod"}
