"""The fault matrix under botocore's Stubber: rows are faults, columns are the request types.

Test ids read ``<fault>-<create|update|delete>``. Every request is validated against the bedrock
service model; every test asserts the outcome (result or failure text) *and* the calls made: how
many CreateModelCustomizationJob calls and with which token (one job per CloudFormation request),
and no call beyond the stubbed ones (``assert_no_pending_responses`` plus the Stubber's refusal of
unexpected calls). Cells that do not apply are listed in docs/fault-matrix.md, not faked here.
The same faults against moto over HTTP: tests/integration/test_fault_matrix_moto.py.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from botocore.stub import Stubber
from cfn_support import (
    BASE_MODEL_ARN,
    CREATED,
    JOB_ARN,
    JOB_BASE,
    MODEL_ARN,
    MODEL_NAME,
    NEW_JOB_ARN,
    ROLE_ARN,
    FakeLambdaTime,
    Run,
    base_request,
    expect_tags,
    job_description,
    make_event,
    model_description,
    owner_tag,
    token_for,
)
from cfn_support import JOB_NAME as NAME

from lambda_src.customization_job.errors import HandlerError

NEW_NAME = "supportbot-job-77d1e0"  # the replacement's base; Bedrock gets it with the update's suffix
NEW_MODEL_NAME = "supportbot-model-77d1e0"
UPDATE_REQUEST_ID = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"


@dataclass
class Cell:
    stubber: Stubber
    run: Run
    time: FakeLambdaTime
    creates: list[dict[str, Any]]  # CreateModelCustomizationJob calls, as the handler made them

    # ---- events ----
    def create_event(self, **kwargs: Any) -> dict[str, Any]:
        return make_event("Create", base_request(), **kwargs)

    def replace_event(self, **kwargs: Any) -> dict[str, Any]:
        new = base_request(
            jobName=NEW_NAME,
            customModelName=NEW_MODEL_NAME,
            hyperParameters={"epochCount": "3", "learningRate": "1e-05", "learningRateWarmupSteps": "10"},
        )
        kwargs.setdefault("physical_id", JOB_ARN)
        return make_event("Update", new, old_request=base_request(), request_id=UPDATE_REQUEST_ID, **kwargs)

    def rollback_event(self, failed: dict[str, Any]) -> dict[str, Any]:
        """UPDATE_ROLLBACK's Update after the ``failed`` update: back to the first request, on its job's ARN."""
        return make_event(
            "Update", base_request(), old_request=failed["ResourceProperties"]["Request"], physical_id=JOB_ARN
        )

    def tags_event(self) -> dict[str, Any]:
        old = base_request(jobTags=[{"key": "team", "value": "a"}], customModelTags=[{"key": "stage", "value": "dev"}])
        new = base_request(jobTags=[{"key": "team", "value": "b"}], customModelTags=[{"key": "stage", "value": "prod"}])
        return make_event("Update", new, old_request=old, physical_id=JOB_ARN, request_id=UPDATE_REQUEST_ID)

    def delete_event(self, policy: str = "RETAIN", **request: Any) -> dict[str, Any]:
        return make_event("Delete", base_request(**request), physical_id=JOB_ARN, removal_policy=policy)

    # ---- stubs ----
    def created(self, arn: str = JOB_ARN) -> None:
        self.stubber.add_response("create_model_customization_job", {"jobArn": arn})

    def error(self, operation: str, code: str, message: str, status: int = 400) -> None:
        self.stubber.add_client_error(operation, code, message, status)

    def job(self, status: str, identifier: str = JOB_ARN, **extra: Any) -> None:
        """GetModelCustomizationJob: by ARN (the physical id), by name where a create met its own job."""
        self.stubber.add_response(
            "get_model_customization_job", job_description(status, **extra), {"jobIdentifier": identifier}
        )

    def current_job(self) -> None:
        """A replacement first reads the physical id's job: it implements the first request, not the new one."""
        self.job("InProgress", clientRequestToken=token_for(self.create_event()))

    def listed(self, *jobs: tuple[str, str]) -> None:
        """ListModelCustomizationJobs by the base the properties carry, answering (ARN, name) pairs."""
        summaries = [
            {"jobArn": a, "jobName": n, "baseModelArn": BASE_MODEL_ARN, "status": "InProgress", "creationTime": CREATED}
            for a, n in jobs
        ]
        self.stubber.add_response(
            "list_model_customization_jobs",
            {"modelCustomizationJobSummaries": summaries},
            {"nameContains": JOB_BASE, "maxResults": 100},
        )

    def model(self, identifier: str = MODEL_NAME, made_by: str = JOB_ARN) -> None:
        self.stubber.add_response(
            "get_custom_model", model_description(made_by=made_by), {"modelIdentifier": identifier}
        )

    def ok(self, operation: str, params: dict[str, Any] | None = None) -> None:
        self.stubber.add_response(operation, {}, params)

    def owned(self, arn: str = JOB_ARN) -> None:
        """ListTagsForResource: the resource carries this stack's owner tag (checked before a stop, delete, retag)."""
        expect_tags(self.stubber, arn)

    def tagged(self, arn: str, *tags: dict[str, str]) -> None:
        """TagResource with ``tags`` and the owner tag every TagResource carries."""
        self.ok("tag_resource", {"resourceARN": arn, "tags": [*tags, owner_tag()]})

    # ---- checks ----
    def tokens(self) -> set[str]:
        return {str(c["clientRequestToken"]) for c in self.creates}

    def fails(self, event: dict[str, Any]) -> str:
        with pytest.raises(HandlerError) as failure:
            self.run(event)
        self.stubber.assert_no_pending_responses()
        return str(failure.value)


CELLS: dict[tuple[str, str], Callable[[Cell], None]] = {}


def cell(fault: str, column: str) -> Callable[[Callable[[Cell], None]], Callable[[Cell], None]]:
    def register(check: Callable[[Cell], None]) -> Callable[[Cell], None]:
        CELLS[(fault, column)] = check
        return check

    return register


# ---- lost response / Lambda retry of the same CloudFormation request ----------------------------


@cell("lost-response", "create")
def _(c: Cell) -> None:
    event = c.create_event()
    c.created()  # first invocation: the job starts, the answer never reaches CloudFormation
    c.created()  # retry: Bedrock returns the job of the same clientRequestToken
    c.error("create_model_customization_job", "ConflictException", "Job name is already in use", 400)
    c.job(
        "InProgress",
        identifier=NAME,
        clientRequestToken=token_for(event),
    )
    c.owned()

    answers = {c.run(event)["PhysicalResourceId"] for _ in range(3)}  # a third try meets Conflict: adopted

    c.stubber.assert_no_pending_responses()
    assert answers == {JOB_ARN}
    assert len(c.creates) == 3 and len(c.tokens()) == 1, "every try of one request carries the same token"
    assert {(x["jobName"], x["customModelName"]) for x in c.creates} == {(NAME, MODEL_NAME)}, "and the same names"


@cell("lost-response", "update")
def _(c: Cell) -> None:
    event = c.replace_event()
    c.current_job()
    c.created(NEW_JOB_ARN)
    c.current_job()
    c.created(NEW_JOB_ARN)

    answers = {c.run(event)["PhysicalResourceId"] for _ in range(2)}

    c.stubber.assert_no_pending_responses()
    assert answers == {NEW_JOB_ARN}
    assert c.tokens() == {token_for(event)}
    assert len({x["jobName"] for x in c.creates}) == 1 and c.creates[0]["jobName"].startswith(f"{NEW_NAME}-")


@cell("lost-response", "delete")
def _(c: Cell) -> None:
    c.job("InProgress")
    c.owned()
    c.ok("stop_model_customization_job", {"jobIdentifier": JOB_ARN})
    c.job("Stopping")  # the retry finds the job stopping: no second StopModelCustomizationJob

    event = c.delete_event()
    assert c.run(event) == c.run(event) == {"PhysicalResourceId": JOB_ARN}
    c.stubber.assert_no_pending_responses()


# ---- IAM propagation ------------------------------------------------------------------------------


def _assume_role_error(c: Cell) -> None:
    c.error(
        "create_model_customization_job",
        "ValidationException",
        "Could not assume provided IAM role. Make sure the role trusts bedrock.amazonaws.com.",
    )


@cell("iam-propagation", "create")
def _(c: Cell) -> None:
    _assume_role_error(c)
    c.error("create_model_customization_job", "AccessDeniedException", f"not authorized: iam:PassRole {ROLE_ARN}", 403)
    c.created()

    assert c.run(c.create_event())["PhysicalResourceId"] == JOB_ARN
    c.stubber.assert_no_pending_responses()
    assert c.time.sleeps == [2.0, 4.0]
    assert len(c.creates) == 3 and len(c.tokens()) == 1


@cell("iam-propagation", "update")
def _(c: Cell) -> None:
    c.current_job()
    _assume_role_error(c)
    c.created(NEW_JOB_ARN)

    assert c.run(c.replace_event())["PhysicalResourceId"] == NEW_JOB_ARN
    c.stubber.assert_no_pending_responses()
    assert c.time.sleeps == [2.0] and len(c.tokens()) == 1


@cell("iam-never-ready", "create")
def _(c: Cell) -> None:
    for _ in range(10):
        _assume_role_error(c)

    message = c.fails(c.create_event())

    assert sum(c.time.sleeps) == 120.0
    assert ROLE_ARN in message and "Could not assume provided IAM role" in message
    assert "construct prop role" in message


# ---- throttling and 5xx ---------------------------------------------------------------------------


@cell("throttling-5xx", "create")
def _(c: Cell) -> None:
    c.error("create_model_customization_job", "ThrottlingException", "Rate exceeded", 429)
    c.error("create_model_customization_job", "ServiceUnavailableException", "Unavailable", 503)
    c.created()

    assert c.run(c.create_event())["PhysicalResourceId"] == JOB_ARN
    c.stubber.assert_no_pending_responses()
    assert c.time.sleeps == [1.0, 2.0] and len(c.creates) == 3 and len(c.tokens()) == 1


@cell("throttling-5xx", "update")
def _(c: Cell) -> None:
    c.job("InProgress")  # the kept job's names
    c.owned()
    c.error("tag_resource", "ThrottlingException", "Rate exceeded", 429)
    c.tagged(JOB_ARN, {"key": "team", "value": "b"})
    c.error("get_custom_model", "InternalServerException", "Internal", 500)
    c.model()
    c.owned(MODEL_ARN)
    c.tagged(MODEL_ARN, {"key": "stage", "value": "prod"})

    assert c.run(c.tags_event())["PhysicalResourceId"] == JOB_ARN
    c.stubber.assert_no_pending_responses()
    assert c.time.sleeps == [1.0, 1.0] and c.creates == []


@cell("throttling-5xx", "delete")
def _(c: Cell) -> None:
    c.error("get_model_customization_job", "ThrottlingException", "Rate exceeded", 429)
    c.job("InProgress")
    c.owned()
    c.error("stop_model_customization_job", "InternalServerException", "Internal", 500)
    c.ok("stop_model_customization_job", {"jobIdentifier": JOB_ARN})

    assert c.run(c.delete_event())["PhysicalResourceId"] == JOB_ARN
    c.stubber.assert_no_pending_responses()
    assert c.time.sleeps == [1.0, 1.0]


@cell("throttling-never-ends", "delete")
def _(c: Cell) -> None:
    for _ in range(8):
        c.error("get_model_customization_job", "ThrottlingException", "Rate exceeded", 429)

    message = c.fails(c.delete_event())

    assert sum(c.time.sleeps) == 60.0
    assert "ThrottlingException" in message and "Retry the deployment later" in message


# ---- quota ------------------------------------------------------------------------------------------


@cell("quota-exceeded", "create")
def _(c: Cell) -> None:
    bedrock_says = "You have reached the maximum number of concurrent model customization jobs."
    c.error("create_model_customization_job", "ServiceQuotaExceededException", bedrock_says)

    message = c.fails(c.create_event())

    assert bedrock_says in message
    assert "quota of concurrent model customization jobs" in message
    assert "Service Quotas" in message and "--service-code bedrock" in message
    assert "list-model-customization-jobs --status-equals InProgress" in message
    assert len(c.creates) == 1 and c.time.sleeps == []  # not retried: waiting would not help within a deploy


@cell("quota-exceeded", "update")
def _(c: Cell) -> None:
    c.current_job()
    c.error("create_model_customization_job", "ServiceQuotaExceededException", "Too many custom models in account.")

    message = c.fails(c.replace_event())

    assert "quota of custom models" in message and "delete-custom-model" in message
    assert NEW_NAME in message


# ---- validation ---------------------------------------------------------------------------------------


@cell("validation-error", "create")
def _(c: Cell) -> None:
    bedrock_says = (
        "1 validation error detected: Value at 'outputDataConfig.s3Uri' failed to satisfy constraint: "
        "Member must satisfy regular expression pattern"
    )
    c.error("create_model_customization_job", "ValidationException", bedrock_says)

    message = c.fails(c.create_event())

    assert bedrock_says in message and "output_data" in message and NAME in message
    assert c.time.sleeps == []


@cell("validation-error", "update")
def _(c: Cell) -> None:
    bedrock_says = "The base model amazon.nova-micro-v1:0:128k does not support hyperparameter learningRateWarmupSteps"
    c.current_job()
    c.error("create_model_customization_job", "ValidationException", bedrock_says)

    message = c.fails(c.replace_event())

    assert bedrock_says in message
    assert "base_model" in message and "hyper_parameters" in message


@cell("validation-error", "delete")
def _(c: Cell) -> None:
    c.job("InProgress")
    c.owned()
    c.error("stop_model_customization_job", "ValidationException", "Job cannot be stopped in its current state")

    message = c.fails(c.delete_event())

    assert "Job cannot be stopped in its current state" in message and JOB_ARN in message


# ---- access denied --------------------------------------------------------------------------------


@cell("access-denied", "create")
def _(c: Cell) -> None:
    bedrock_says = f"User is not authorized to perform: iam:PassRole on resource: {ROLE_ARN}"
    for _ in range(10):
        c.error("create_model_customization_job", "AccessDeniedException", bedrock_says, 403)

    message = c.fails(c.create_event())

    assert bedrock_says in message and "iam:PassRole" in message and ROLE_ARN in message
    assert sum(c.time.sleeps) == 120.0  # a just-attached policy gets the IAM-propagation wait first


@cell("access-denied", "update")
def _(c: Cell) -> None:
    bedrock_says = f"User is not authorized to perform: bedrock:TagResource on resource: {JOB_ARN}"
    c.job("InProgress")
    c.owned()
    c.error("tag_resource", "AccessDeniedException", bedrock_says, 403)

    message = c.fails(c.tags_event())

    assert bedrock_says in message and "handler's role lacks the permission" in message


@cell("access-denied", "delete")
def _(c: Cell) -> None:
    bedrock_says = "User is not authorized to perform: bedrock:GetModelCustomizationJob"
    c.error("get_model_customization_job", "AccessDeniedException", bedrock_says, 403)

    message = c.fails(c.delete_event())

    assert bedrock_says in message and "handler's role lacks the permission" in message


# ---- names fixed by the user that collide --------------------------------------------------------


@cell("name-collision", "create")
def _(c: Cell) -> None:
    c.error("create_model_customization_job", "ConflictException", "Job name already exists", 400)
    c.job("Completed", identifier=JOB_BASE, clientRequestToken="token-of-another-stack")

    message = c.fails(c.create_event(names_generated="false"))

    assert JOB_ARN in message and "immutable" in message and "cannot be reused" in message
    assert "omit them so the construct generates unique ones" in message


@cell("name-collision", "update")
def _(c: Cell) -> None:
    old = base_request(jobName="my-job", customModelName="my-model")
    new = base_request(jobName="my-job", customModelName="my-model", baseModelIdentifier="amazon.nova-lite-v1:0:300k")
    event = make_event("Update", new, old_request=old, physical_id=JOB_ARN, names_generated="false")
    c.job("InProgress", jobName="my-job", clientRequestToken=token_for(make_event("Create", old)))

    message = c.fails(event)

    assert c.creates == [], "a replacement that would reuse fixed names must not reach Bedrock"
    assert "immutable" in message and "omit job_name/custom_model_name" in message


@cell("name-collision", "delete")
def _(c: Cell) -> None:
    """Jobs whose names share the properties' base but not our ARN are never stopped."""
    c.error("get_model_customization_job", "ResourceNotFoundException", "Job not found", 404)  # ARN not served
    c.listed((NEW_JOB_ARN, f"{JOB_BASE}-0000aaaa"), (NEW_JOB_ARN.replace("f6e5", "0000"), JOB_BASE))

    assert c.run(c.delete_event())["PhysicalResourceId"] == JOB_ARN
    c.stubber.assert_no_pending_responses()  # no Get by their names, no StopModelCustomizationJob


# ---- CloudFormation's UPDATE_ROLLBACK: an Update back to the request the current job implements ------


@cell("update-rollback", "update")
def _(c: Cell) -> None:
    """Bedrock refused the replacement; the rollback's Update (old: the failed request) keeps the job."""
    failed = c.replace_event()
    c.current_job()
    c.error("create_model_customization_job", "ValidationException", "learningRateWarmupSteps is not supported")
    c.fails(failed)
    c.current_job()

    result = c.run(c.rollback_event(failed))

    c.stubber.assert_no_pending_responses()  # no second CreateModelCustomizationJob
    assert result["PhysicalResourceId"] == JOB_ARN
    assert result["Data"] == {"JobArn": JOB_ARN, "JobName": NAME, "CustomModelName": MODEL_NAME}
    assert len(c.creates) == 1 and c.creates[0]["jobName"].startswith(f"{NEW_NAME}-"), "only the refused one"


# ---- the job has already ended ---------------------------------------------------------------------


@cell("job-already-finished", "create")
def _(c: Cell) -> None:
    """A retried create finds its own job already failed: it is still this request's one job."""
    event = c.create_event()
    token = token_for(event)
    c.error("create_model_customization_job", "ConflictException", "Job name already exists", 400)
    c.job("Failed", identifier=NAME, clientRequestToken=token, failureMessage="Training data is malformed")
    c.owned()

    assert c.run(event)["PhysicalResourceId"] == JOB_ARN
    c.stubber.assert_no_pending_responses()


@cell("job-already-finished", "update")
def _(c: Cell) -> None:
    c.job("Completed", outputModelArn=MODEL_ARN)
    c.owned()
    c.tagged(JOB_ARN, {"key": "team", "value": "b"})
    c.model()
    c.owned(MODEL_ARN)
    c.tagged(MODEL_ARN, {"key": "stage", "value": "prod"})

    assert c.run(c.tags_event())["PhysicalResourceId"] == JOB_ARN
    c.stubber.assert_no_pending_responses()  # tags land on the finished job and its model; no new job
    assert c.creates == []


@cell("job-already-finished", "delete")
def _(c: Cell) -> None:
    for status in ("Completed", "Failed", "Stopped", "Stopping"):
        c.job(status, **({"outputModelArn": MODEL_ARN} if status == "Completed" else {}))
        assert c.run(c.delete_event("RETAIN"))["PhysicalResourceId"] == JOB_ARN
        c.stubber.assert_no_pending_responses()  # no StopModelCustomizationJob, no model call
    c.job("Completed", outputModelArn=MODEL_ARN)
    c.owned()
    c.model()
    c.owned(MODEL_ARN)
    c.ok("delete_custom_model", {"modelIdentifier": MODEL_NAME})
    assert c.run(c.delete_event("DESTROY"))["PhysicalResourceId"] == JOB_ARN
    c.stubber.assert_no_pending_responses()


# ---- the job or model is missing --------------------------------------------------------------------


@cell("job-or-model-missing", "create")
def _(c: Cell) -> None:
    bedrock_says = "Could not find base model amazon.nova-micro-v1:0:128k in us-east-1"
    c.error("create_model_customization_job", "ResourceNotFoundException", bedrock_says, 404)

    message = c.fails(c.create_event())

    assert bedrock_says in message and "base_model" in message


@cell("job-or-model-missing", "update")
def _(c: Cell) -> None:
    c.job("InProgress")
    c.owned()
    c.tagged(JOB_ARN, {"key": "team", "value": "b"})
    c.error("get_custom_model", "ResourceNotFoundException", "Model not found", 404)

    assert c.run(c.tags_event())["PhysicalResourceId"] == JOB_ARN
    c.stubber.assert_no_pending_responses()  # no model (yet, or any more): nothing to tag


@cell("job-or-model-missing", "delete")
def _(c: Cell) -> None:
    c.error("get_model_customization_job", "ResourceNotFoundException", "Job not found", 404)
    c.listed()
    assert c.run(c.delete_event("DESTROY"))["PhysicalResourceId"] == JOB_ARN
    c.stubber.assert_no_pending_responses()

    c.job("Completed", outputModelArn=MODEL_ARN)
    c.owned()
    c.error("get_custom_model", "ResourceNotFoundException", "Model not found", 404)
    c.error("get_custom_model", "ResourceNotFoundException", "Model not found", 404)
    assert c.run(c.delete_event("DESTROY"))["PhysicalResourceId"] == JOB_ARN
    c.stubber.assert_no_pending_responses()


# ---- the model is in use -----------------------------------------------------------------------------


@cell("model-in-use", "delete")
def _(c: Cell) -> None:
    c.job("Completed", outputModelArn=MODEL_ARN)
    assert c.run(c.delete_event("RETAIN"))["PhysicalResourceId"] == JOB_ARN  # RETAIN: never touched
    c.stubber.assert_no_pending_responses()

    c.job("Completed", outputModelArn=MODEL_ARN)
    c.owned()
    c.model()
    c.owned(MODEL_ARN)
    c.error("delete_custom_model", "ConflictException", "Model is in use by provisioned throughput pt-1")
    message = c.fails(c.delete_event("DESTROY"))

    assert "Model is in use by provisioned throughput pt-1" in message
    assert MODEL_ARN in message and "model_removal_policy to RETAIN" in message


@pytest.fixture
def creates(bedrock: Any) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    bedrock.meta.events.register(
        "provide-client-params.bedrock.CreateModelCustomizationJob", lambda params, **_: seen.append(dict(params))
    )
    return seen


@pytest.mark.parametrize(("fault", "column"), list(CELLS), ids=[f"{f}-{c}" for f, c in CELLS])
def test_fault(
    fault: str,
    column: str,
    stubber: Stubber,
    run: Run,
    lambda_time: FakeLambdaTime,
    creates: list[dict[str, Any]],
) -> None:
    CELLS[(fault, column)](Cell(stubber, run, lambda_time, creates))
