"""Another team's job in the same account is out of reach, over real HTTP (moto_server on 127.0.0.1).

A template may use this stack's service token and name any job: the other team's job name, its model
name and its very service role. The handler must neither stop it, retag it, adopt it, nor delete its
model, whatever request type CloudFormation sends; ownership is the owner tag the handler puts on what
it creates (lambda_src/customization_job/ownership.py), the same tag IAM conditions the handler's role on.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from lambda_src.customization_job.errors import HandlerError

from .harness import ACCOUNT, REGION, CloudFormation, StackTemplate
from .test_fault_matrix_moto import set_status

OWNER_TAG_KEY = "bedrock-customization:stack-id"
VICTIM_STACK = f"arn:aws:cloudformation:{REGION}:{ACCOUNT}:stack/OtherTeam/0f0f0f0f-1111-2222-3333-444444444444"
VICTIM_ROLE = f"arn:aws:iam::{ACCOUNT}:role/other-team-bedrock-role"
VICTIM_JOB = "other-team-job"
VICTIM_MODEL = "other-team-model"
VICTIM_TAGS = {OWNER_TAG_KEY: VICTIM_STACK, "team": "other"}


@pytest.fixture
def victim(observer: Any) -> str:
    """The other team's running job (and, as moto makes it at once, its model), tagged by its own stack."""
    tags = [{"key": k, "value": v} for k, v in VICTIM_TAGS.items()]
    return str(
        observer.create_model_customization_job(
            jobName=VICTIM_JOB,
            customModelName=VICTIM_MODEL,
            roleArn=VICTIM_ROLE,
            baseModelIdentifier="amazon.titan-text-express-v1",
            trainingDataConfig={"s3Uri": "s3://other-team-data/train.jsonl"},
            outputDataConfig={"s3Uri": "s3://other-team-data/out/"},
            clientRequestToken="other-team-token",
            jobTags=tags,
            customModelTags=tags,
        )["jobArn"]
    )


@pytest.fixture
def attacker(
    templates: dict[str, StackTemplate], cloudformation: Callable[[StackTemplate, str], CloudFormation]
) -> tuple[CloudFormation, dict[str, Any]]:
    """A resource of our stack whose properties name the victim's job, model, role and token."""
    stack = templates["BedrockFineTuning"]
    (logical_id,) = stack.job_logical_ids()
    properties = stack.job_properties(logical_id)
    properties["Request"].update(
        jobName=VICTIM_JOB,
        customModelName=VICTIM_MODEL,
        roleArn=VICTIM_ROLE,
        clientRequestToken="other-team-token",
        jobTags=[{"key": "team", "value": "attacker"}],
    )
    properties["NamesGenerated"] = "false"
    properties["ModelRemovalPolicy"] = "DESTROY"
    return cloudformation(stack, logical_id), properties


def untouched(observer: Any, victim_arn: str, status: str = "InProgress") -> None:
    job = observer.get_model_customization_job(jobIdentifier=VICTIM_JOB)
    assert job["jobArn"] == victim_arn and job["status"] == status, "the victim's job was stopped"
    model_arn = observer.get_custom_model(modelIdentifier=VICTIM_MODEL)["modelArn"]
    for arn in (victim_arn, model_arn):
        tags = {t["key"]: t["value"] for t in observer.list_tags_for_resource(resourceARN=arn)["tags"]}
        assert tags == VICTIM_TAGS, f"the tags of {arn} changed"


def test_create_naming_another_stacks_job_does_not_adopt_it(
    observer: Any, victim: str, attacker: tuple[CloudFormation, dict[str, Any]]
) -> None:
    cfn, properties = attacker

    with pytest.raises(HandlerError, match=f"already uses the name '{VICTIM_JOB}'"):
        cfn.create(properties)

    untouched(observer, victim)


def test_update_from_an_older_physical_id_does_not_adopt_another_stacks_job(
    observer: Any, victim: str, attacker: tuple[CloudFormation, dict[str, Any]]
) -> None:
    cfn, properties = attacker
    cfn.physical_id, cfn.properties = "Demo-SupportBot-1A2B3C4D5E6F", copy.deepcopy(properties)

    with pytest.raises(HandlerError, match="immutable"):
        cfn.update(properties)

    untouched(observer, victim)


def test_tag_update_on_another_stacks_job_changes_nothing(
    observer: Any, victim: str, attacker: tuple[CloudFormation, dict[str, Any]]
) -> None:
    """The update itself succeeds (a failure would fail CloudFormation's rollback too); no tag moves."""
    cfn, properties = attacker
    cfn.physical_id, cfn.properties = victim, copy.deepcopy(properties)
    retagged = copy.deepcopy(properties)
    retagged["Request"]["jobTags"] = [{"key": "team", "value": "mine-now"}]
    retagged["Request"]["customModelTags"] = [{"key": OWNER_TAG_KEY, "value": cfn.stack.stack_id}]

    result, replaced = cfn.update(retagged)

    assert result["PhysicalResourceId"] == victim and replaced is None
    untouched(observer, victim)


@pytest.mark.parametrize("status", ["InProgress", "Completed"])
def test_delete_of_another_stacks_job_neither_stops_it_nor_deletes_its_model(
    observer: Any, victim: str, attacker: tuple[CloudFormation, dict[str, Any]], status: str
) -> None:
    cfn, properties = attacker
    set_status(VICTIM_JOB, status)

    with pytest.raises(HandlerError, match="does not carry the tag"):
        cfn.delete(victim, properties)

    untouched(observer, victim, status)
