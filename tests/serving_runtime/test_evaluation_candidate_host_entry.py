"""A gated swap of a provisioned throughput whose model Bedrock does not serve on demand, through the REAL runtime
entry (continuations replayed, fake Bedrock and moto's S3 on 127.0.0.1, a local ResponseURL): the candidate answers
from a temporary no-commitment throughput (``CandidateHost: ProvisionedThroughput``, as the construct renders it for
a Titan model), is swapped in when better, refused when worse, and the hour running out while the temporary
throughput is still Creating refuses with its delete command in the reason. The incumbent is swapped only on a
pass; no temporary throughput is left on any path where Bedrock lets it be deleted."""

from __future__ import annotations

from typing import Any

import pytest
from fake_bedrock import FakeBedrock
from serving_support import THROUGHPUT_TYPE, fresh_s3, make_event, throughput_request, with_prompts
from test_evaluation_gate_entry import Deployer
from test_evaluation_runner_fake_endpoint import BUCKET, PROMPTS, PROPERTY, judge_by_answers
from test_runtime_entry import ResponseServer

TITAN = "amazon.titan-text-express-v1:0:8k"
SERVING_MODEL = f"arn:aws:bedrock:us-east-1:123456789012:custom-model/{TITAN}/aaaaaaaaaaaa"
CANDIDATE = f"arn:aws:bedrock:us-east-1:123456789012:custom-model/{TITAN}/bbbbbbbbbbbb"
GATE = {**PROPERTY, "CandidateHost": "ProvisionedThroughput"}


@pytest.fixture
def deployer(cfn: ResponseServer, fake_client: Any, bedrock_session: Any, endpoint: str, moto_endpoint: str) -> Any:
    from botocore.config import Config

    converse = bedrock_session.client(
        "bedrock-runtime", endpoint_url=endpoint, config=Config(retries={"mode": "standard", "total_max_attempts": 1})
    )
    s3 = with_prompts(fresh_s3(bedrock_session, moto_endpoint), BUCKET, PROMPTS)
    return Deployer(cfn, fake_client, converse, s3)


def titan_models(fake: FakeBedrock) -> None:
    for index, model in enumerate((SERVING_MODEL, CANDIDATE)):
        job = f"arn:aws:bedrock:us-east-1:123456789012:model-customization-job/{TITAN}/j{index}j{index}"
        fake.add_job(job, training_loss=0.1, validation_loss=None, model_arn=model, base=TITAN)


def serving(deployer: Deployer) -> str:
    event = make_event(THROUGHPUT_TYPE, "Create", throughput_request(modelId=SERVING_MODEL), request_id="create-1")
    body = deployer.send(event)
    assert body["Status"] == "SUCCESS", body
    return str(body["PhysicalResourceId"])


def swap(incumbent: str) -> dict[str, Any]:
    event = make_event(
        THROUGHPUT_TYPE,
        "Update",
        throughput_request(modelId=CANDIDATE),
        old_request=throughput_request(modelId=SERVING_MODEL),
        physical_id=incumbent,
        request_id="update-1",
    )
    event["ResourceProperties"]["EvaluationGate"] = GATE
    event["OldResourceProperties"]["EvaluationGate"] = GATE
    return event


def temporary(fake: FakeBedrock, incumbent: str) -> list[str]:
    return [r.arn for r in fake.resources.values() if r.arn != incumbent]


def temporary_creates(fake: FakeBedrock) -> list[dict[str, Any]]:
    return [b for op, _, b in fake.calls if op == "CreateProvisionedModelThroughput" and b["modelId"] == CANDIDATE]


def test_a_better_candidate_from_a_temporary_throughput_is_swapped_in(fake: FakeBedrock, deployer: Deployer) -> None:
    titan_models(fake)
    incumbent = serving(deployer)
    fake.answers[CANDIDATE] = lambda q: f"the right answer to {q}"
    fake.answers[SERVING_MODEL] = lambda q: f"a vague answer to {q}"
    fake.on_evaluation_done = judge_by_answers(deployer.clients["s3"])
    fake.creating_polls = 3

    body = deployer.send(swap(incumbent))

    assert body["Status"] == "SUCCESS", body["Reason"]
    [created] = temporary_creates(fake)
    assert created["modelUnits"] == 1 and "commitmentDuration" not in created
    assert fake.resources[incumbent].model == CANDIDATE and temporary(fake, incumbent) == []
    assert "CreateCustomModelDeployment" not in fake.operations()


def test_a_worse_candidate_is_refused_the_incumbent_untouched_and_the_throughput_deleted(
    fake: FakeBedrock, deployer: Deployer
) -> None:
    titan_models(fake)
    incumbent = serving(deployer)
    fake.answers[CANDIDATE] = lambda q: f"a vague answer to {q}"
    fake.answers[SERVING_MODEL] = lambda q: f"the right answer to {q}"
    fake.on_evaluation_done = judge_by_answers(deployer.clients["s3"])

    body = deployer.send(swap(incumbent))

    assert body["Status"] == "FAILED" and "Builtin.Correctness 0.200 < 1.000" in body["Reason"]
    assert fake.resources[incumbent].model == SERVING_MODEL and temporary(fake, incumbent) == []
    assert "UpdateProvisionedModelThroughput" not in fake.operations() and len(temporary_creates(fake)) == 1


def test_a_throughput_still_creating_when_the_hour_runs_out_is_named_with_its_delete_command(
    fake: FakeBedrock, deployer: Deployer
) -> None:
    titan_models(fake)
    incumbent = serving(deployer)
    fake.creating_polls = 100_000
    fake.refuse_delete_while_creating = True  # and Bedrock will not let it go before it settles

    body = deployer.send(swap(incumbent))

    assert body["Status"] == "FAILED" and "did not finish within CloudFormation's hour" in body["Reason"]
    [left] = temporary(fake, incumbent)
    assert f"aws bedrock delete-provisioned-model-throughput --provisioned-model-id {left}" in body["Reason"]
    assert fake.resources[incumbent].model == SERVING_MODEL
    assert deployer.time.elapsed < 3600


def test_a_throughput_still_creating_when_the_hour_runs_out_is_deleted_where_bedrock_allows(
    fake: FakeBedrock, deployer: Deployer
) -> None:
    titan_models(fake)
    incumbent = serving(deployer)
    fake.creating_polls = 100_000

    body = deployer.send(swap(incumbent))

    assert body["Status"] == "FAILED" and "delete-provisioned-model-throughput" not in body["Reason"]
    assert "did not finish within CloudFormation's hour" in body["Reason"]
    assert len(temporary_creates(fake)) == 1 and "DeleteProvisionedModelThroughput" in fake.operations()
    assert temporary(fake, incumbent) == [] and fake.resources[incumbent].model == SERVING_MODEL
