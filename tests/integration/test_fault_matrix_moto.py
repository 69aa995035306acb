"""The fault matrix over HTTP: the handler against moto_server, with faults injected into its client.

Test ids read ``<fault>-<create|update|delete>``. The resource is app.py's fine-tuning job as
CloudFormation delivers it. Faults are answered in the handler's client (tests/integration/faults.py);
every other call goes to moto, and a separate client counts jobs and reads their state afterwards,
so "exactly one job" is the server's count, not the handler's word. Where moto cannot play AWS's part
(docs/fault-matrix.md, "moto's gaps") the test says so; the Stubber matrix (tests/lambda/test_fault_matrix.py)
covers those cells with exact request shapes. moto finds jobs by name only, so here the handler takes
its fallback: it lists the jobs named like the properties' base and picks the one with its ARN.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from moto.bedrock.models import bedrock_backends

from lambda_src.customization_job.errors import HandlerError

from .faults import Faults
from .harness import ACCOUNT, REGION, CloudFormation, FakeLambdaContext, StackTemplate, effective_request

CREATE = "CreateModelCustomizationJob"
OWNER_TAG_KEY = "bedrock-customization:stack-id"


def set_status(job_name: str, status: str) -> None:
    """moto keeps jobs InProgress; in-process a test may end them on the backend (docs/fault-matrix.md)."""
    bedrock_backends[ACCOUNT][REGION].model_customization_jobs[job_name].status = status


@dataclass
class Deployment:
    stack: StackTemplate
    cfn: CloudFormation
    properties: dict[str, Any]
    faults: Faults
    observer: Any
    context: FakeLambdaContext

    @property
    def base(self) -> str:
        """The job name in the properties: a generated name's base (or a name the user fixed)."""
        return str(self.properties["Request"]["jobName"])

    @property
    def name(self) -> str:
        """The job's name as deployed by the last create or update (the base and that request's suffix)."""
        return str(self.cfn.data["JobName"])

    @property
    def model_name(self) -> str:
        return str(self.cfn.data["CustomModelName"])

    def jobs(self, status: str | None = None) -> list[dict[str, Any]]:
        summaries = self.observer.list_model_customization_jobs()["modelCustomizationJobSummaries"]
        return [j for j in summaries if status is None or j["status"] == status]

    def status(self, name: str) -> str:
        return str(self.observer.get_model_customization_job(jobIdentifier=name)["status"])

    def raw_tags(self, arn: str) -> dict[str, str]:
        return {t["key"]: t["value"] for t in self.observer.list_tags_for_resource(resourceARN=arn)["tags"]}

    def tags(self, arn: str) -> dict[str, str]:
        """The user's tags of a job or model this stack's handler created (which carries the stack's owner tag)."""
        tags = self.raw_tags(arn)
        assert tags.pop(OWNER_TAG_KEY, None) == self.stack.stack_id, f"{arn} lacks this stack's owner tag"
        return tags

    def model_exists(self, name: str) -> bool:
        return any(m["modelName"] == name for m in self.observer.list_custom_models()["modelSummaries"])

    def replacement(self) -> dict[str, Any]:
        """The next version: a changed training setting and, as the construct does, a new base."""
        new = copy.deepcopy(self.properties)
        new["Request"]["hyperParameters"]["epochCount"] = "3"
        new["Request"]["jobName"] += "-v2"
        new["Request"]["customModelName"] += "-v2"
        return new

    def retagged(self) -> dict[str, Any]:
        new = copy.deepcopy(self.properties)
        new["Request"]["jobTags"] = [{"key": "team", "value": "search"}]
        new["Request"]["customModelTags"] = [{"key": "use-case", "value": "search"}]
        return new

    def fixed_names(self, job_name: str, model_name: str) -> None:
        self.properties["Request"].update(jobName=job_name, customModelName=model_name)
        self.properties["NamesGenerated"] = "false"

    def fails(self, call: Callable[[], Any]) -> str:
        with pytest.raises(HandlerError) as failure:
            call()
        return str(failure.value)


@pytest.fixture
def deployment(
    templates: dict[str, StackTemplate],
    cloudformation: Callable[[StackTemplate, str], CloudFormation],
    handler_client: Any,
    observer: Any,
    lambda_context: FakeLambdaContext,
) -> Deployment:
    stack = templates["BedrockFineTuning"]
    (logical_id,) = stack.job_logical_ids()  # moto's bedrock does not look the role up; the lifecycle test creates it
    return Deployment(
        stack,
        cloudformation(stack, logical_id),
        stack.job_properties(logical_id),
        Faults(handler_client),
        observer,
        lambda_context,
    )


CELLS: dict[tuple[str, str], Callable[[Deployment], None]] = {}


def cell(fault: str, column: str) -> Callable[[Callable[[Deployment], None]], Callable[[Deployment], None]]:
    def register(check: Callable[[Deployment], None]) -> Callable[[Deployment], None]:
        CELLS[(fault, column)] = check
        return check

    return register


# ---- lost response / Lambda retry -------------------------------------------------------------------


@cell("lost-response", "create")
def _(d: Deployment) -> None:
    d.faults.lose_response(CREATE)  # the job starts on the server; the answer is lost

    first = d.cfn.create(d.properties)["PhysicalResourceId"]
    retried = d.cfn.resend()["PhysicalResourceId"]  # and the whole invocation is retried as well

    assert first == retried
    assert [j["jobArn"] for j in d.jobs()] == [first]
    assert d.faults.sent[CREATE] == 3  # the lost one, the handler's retry, the Lambda retry: one job


@cell("lost-response", "update")
def _(d: Deployment) -> None:
    old = d.cfn.create(d.properties)["PhysicalResourceId"]
    d.faults.lose_response(CREATE)

    new = d.cfn.update(d.replacement())[0]["PhysicalResourceId"]
    assert d.cfn.resend()["PhysicalResourceId"] == new

    assert sorted(j["jobArn"] for j in d.jobs()) == sorted([old, new])


@cell("lost-response", "delete")
def _(d: Deployment) -> None:
    d.cfn.create(d.properties)
    d.faults.lose_response("StopModelCustomizationJob")

    d.cfn.delete()  # the handler's own retry repeats the stop (StopModelCustomizationJob is idempotent)
    stops = d.faults.sent["StopModelCustomizationJob"]
    d.cfn.resend()

    assert d.status(d.name) == "Stopped"
    assert d.faults.sent["StopModelCustomizationJob"] == stops == 2, "the retried request finds it stopped"


# ---- IAM propagation, throttling, quota ----------------------------------------------------------------


@cell("iam-propagation", "create")
def _(d: Deployment) -> None:
    d.faults.fail(CREATE, "ValidationException", "Could not assume provided IAM role", times=2)

    arn = d.cfn.create(d.properties)["PhysicalResourceId"]

    assert [j["jobArn"] for j in d.jobs()] == [arn]
    assert d.context.sleeps == [2.0, 4.0]


@cell("throttling-5xx", "create")
def _(d: Deployment) -> None:
    d.faults.fail(CREATE, "ThrottlingException", "Rate exceeded", 429).fail(CREATE, "InternalServerException", "", 500)

    arn = d.cfn.create(d.properties)["PhysicalResourceId"]

    assert [j["jobArn"] for j in d.jobs()] == [arn] and d.faults.sent[CREATE] == 1


@cell("throttling-5xx", "update")
def _(d: Deployment) -> None:
    arn = d.cfn.create(d.properties)["PhysicalResourceId"]
    d.faults.fail("TagResource", "ThrottlingException", "Rate exceeded", 429, times=2)

    d.cfn.update(d.retagged())

    assert d.tags(arn) == {"team": "search"}
    assert len(d.jobs()) == 1


@cell("throttling-5xx", "delete")
def _(d: Deployment) -> None:
    d.cfn.create(d.properties)
    d.faults.fail("StopModelCustomizationJob", "ServiceUnavailableException", "Unavailable", 503)

    d.cfn.delete()

    assert d.status(d.name) == "Stopped"


@cell("quota-exceeded", "create")
def _(d: Deployment) -> None:
    d.faults.fail(CREATE, "ServiceQuotaExceededException", "Maximum concurrent model customization jobs reached")

    message = d.fails(lambda: d.cfn.create(d.properties))

    assert "quota of concurrent model customization jobs" in message and "Service Quotas" in message
    assert d.jobs() == []


@cell("quota-exceeded", "update")
def _(d: Deployment) -> None:
    d.cfn.create(d.properties)
    d.faults.fail(CREATE, "ServiceQuotaExceededException", "Maximum concurrent model customization jobs reached")

    message = d.fails(lambda: d.cfn.update(d.replacement()))

    assert "quota" in message
    assert [j["jobName"] for j in d.jobs()] == [d.name]


# ---- validation and access ----------------------------------------------------------------------------


@cell("validation-error", "create")
def _(d: Deployment) -> None:
    d.properties["Request"]["trainingDataConfig"]["s3Uri"] = "https://example.com/train.jsonl"

    message = d.fails(lambda: d.cfn.create(d.properties))

    # moto's ValidationException text names no field; the handler quotes it and lists the props to check.
    assert "Bedrock said (ValidationException): 'Input validation failed." in message
    assert f"'{d.base}-" in message and "training_data" in message
    assert d.jobs() == [] and d.context.sleeps == []


@cell("access-denied", "update")
def _(d: Deployment) -> None:
    arn = d.cfn.create(d.properties)["PhysicalResourceId"]
    before = d.tags(arn)
    d.faults.fail("TagResource", "AccessDeniedException", "not authorized to perform: bedrock:TagResource", 403)

    message = d.fails(lambda: d.cfn.update(d.retagged()))

    assert "bedrock:TagResource" in message and "handler's role" in message
    assert d.tags(arn) == before


@cell("access-denied", "delete")
def _(d: Deployment) -> None:
    d.cfn.create(d.properties)
    d.faults.fail("GetModelCustomizationJob", "AccessDeniedException", "not authorized", 403)

    message = d.fails(d.cfn.delete)

    assert "not authorized" in message
    assert d.status(d.name) == "InProgress"  # nothing was decided on a job it could not read


# ---- names fixed by the user ---------------------------------------------------------------------------


@cell("name-collision", "create")
def _(d: Deployment) -> None:
    d.fixed_names("support-bot", "support-bot-model")
    other = copy.deepcopy(d.properties["Request"])
    d.observer.create_model_customization_job(**{**other, "clientRequestToken": "another-stacks-request"})

    message = d.fails(lambda: d.cfn.create(d.properties))

    assert "immutable" in message and "omit them so the construct generates unique ones" in message
    assert [(j["jobName"], j["status"]) for j in d.jobs()] == [("support-bot", "InProgress")]


@cell("name-collision", "update")
def _(d: Deployment) -> None:
    d.fixed_names("support-bot", "support-bot-model")
    d.cfn.create(d.properties)
    changed = copy.deepcopy(d.properties)
    changed["Request"]["hyperParameters"]["epochCount"] = "3"

    message = d.fails(lambda: d.cfn.update(changed))

    assert "immutable" in message and "omit job_name/custom_model_name" in message
    assert d.faults.sent[CREATE] == 1 and len(d.jobs()) == 1


@cell("name-collision", "delete")
def _(d: Deployment) -> None:
    """The properties name a job that is not the physical id's: that job must be left alone.

    (On AWS the handler then stops its own job by ARN; moto cannot find jobs by ARN, section 7.)
    """
    arn = d.cfn.create(d.properties)["PhysicalResourceId"]
    other = copy.deepcopy(d.properties["Request"])
    other.update(jobName="someone-elses-job", customModelName="someone-elses-model")
    d.observer.create_model_customization_job(**other)
    stale = copy.deepcopy(d.properties)
    stale["Request"].update(jobName="someone-elses-job")

    d.cfn.delete(arn, stale)

    assert d.status("someone-elses-job") == "InProgress"


# ---- CloudFormation's UPDATE_ROLLBACK: an Update back to the request the current job implements ----------


@cell("update-rollback", "update")
def _(d: Deployment) -> None:
    """User-fixed names: the update reusing them is refused; the rollback's Update (back to the first
    request, the refused one as old properties) must keep the job, not be refused in turn."""
    d.fixed_names("support-bot", "support-bot-model")
    arn = d.cfn.create(d.properties)["PhysicalResourceId"]
    refused = copy.deepcopy(d.properties)
    refused["Request"]["hyperParameters"]["epochCount"] = "3"
    refused["Request"]["jobTags"] = [{"key": "team", "value": "search"}]
    assert "immutable" in d.fails(lambda: d.cfn.update(refused))

    result = d.cfn.roll_back_update(refused)

    assert result["PhysicalResourceId"] == arn
    assert result["Data"] == {"JobArn": arn, "JobName": "support-bot", "CustomModelName": "support-bot-model"}
    assert [(j["jobArn"], j["status"]) for j in d.jobs()] == [(arn, "InProgress")]
    assert d.faults.sent[CREATE] == 1
    assert d.tags(arn) == {t["key"]: t["value"] for t in effective_request(d.properties).get("jobTags", [])}


# ---- the job has ended, is missing, its model is in use --------------------------------------------------


@cell("job-already-finished", "delete")
def _(d: Deployment) -> None:
    for status in ("Completed", "Failed", "Stopped"):
        d.cfn.create(d.properties)  # the same properties each round: each create request gets new names
        set_status(d.name, status)
        d.cfn.delete()
        assert d.status(d.name) == status, "an ended job is left as it is"
        assert d.model_exists(d.model_name)

    d.cfn.create(d.properties)
    set_status(d.name, "Completed")
    d.properties["ModelRemovalPolicy"] = "DESTROY"
    d.cfn.delete(d.cfn.physical_id, d.properties)
    assert d.status(d.name) == "Completed" and not d.model_exists(d.model_name)


@cell("job-already-finished", "update")
def _(d: Deployment) -> None:
    arn = d.cfn.create(d.properties)["PhysicalResourceId"]
    set_status(d.name, "Completed")

    d.cfn.update(d.retagged())

    assert d.tags(arn) == {"team": "search"}  # the request's own team tag wins over Tags.of's
    model_arn = d.observer.get_custom_model(modelIdentifier=d.model_name)["modelArn"]
    assert d.tags(model_arn) == {**d.properties.get("Tags", {}), "use-case": "search"}
    assert len(d.jobs()) == 1


@cell("job-or-model-missing", "update")
def _(d: Deployment) -> None:
    arn = d.cfn.create(d.properties)["PhysicalResourceId"]
    d.observer.delete_custom_model(modelIdentifier=d.model_name)

    d.cfn.update(d.retagged())

    assert d.tags(arn) == {"team": "search"}


@cell("job-or-model-missing", "delete")
def _(d: Deployment) -> None:
    never_created = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:model-customization-job/{d.base}-0000aaaa"
    assert d.cfn.delete(never_created, d.properties) == {"PhysicalResourceId": never_created}

    d.properties["ModelRemovalPolicy"] = "DESTROY"
    d.cfn.create(d.properties)
    d.observer.delete_custom_model(modelIdentifier=d.model_name)
    d.cfn.delete()
    assert d.status(d.name) == "Stopped"


@cell("model-in-use", "delete")
def _(d: Deployment) -> None:
    d.properties["ModelRemovalPolicy"] = "DESTROY"
    d.cfn.create(d.properties)
    d.faults.fail("DeleteCustomModel", "ConflictException", "Model is in use by provisioned throughput pt-1")

    message = d.fails(d.cfn.delete)

    assert "pt-1" in message and "RETAIN" in message
    assert d.model_exists(d.model_name)
    assert d.status(d.name) == "Stopped"  # the job itself no longer runs

    d.properties["ModelRemovalPolicy"] = "RETAIN"  # the user's fix, then CloudFormation retries the delete
    d.cfn.delete(d.cfn.physical_id, d.properties)
    assert d.model_exists(d.model_name)


@pytest.mark.parametrize(("fault", "column"), list(CELLS), ids=[f"{f}-{c}" for f, c in CELLS])
def test_fault_over_http(fault: str, column: str, deployment: Deployment) -> None:
    CELLS[(fault, column)](deployment)


# ---- rolled-back deployments: nothing of the stack keeps running ----------------------------------------


def test_rolled_back_create_leaves_no_running_job(deployment: Deployment) -> None:
    d = deployment
    d.cfn.create(d.properties)  # the job starts; another resource of the stack fails

    d.cfn.delete()  # CloudFormation rolls the stack back

    assert d.jobs("InProgress") == [] and len(d.jobs()) == 1


def test_rolled_back_replacement_stops_the_new_job_and_keeps_the_old(deployment: Deployment) -> None:
    d = deployment
    old = d.cfn.create(d.properties)["PhysicalResourceId"]
    new_properties = d.replacement()
    new = d.cfn.update(new_properties)[0]["PhysicalResourceId"]

    new_name = d.name
    d.cfn.delete(new, new_properties)  # the update fails elsewhere: the new job is deleted on rollback

    assert [j["jobArn"] for j in d.jobs("InProgress")] == [old]  # only the stack's existing job
    assert d.status(new_name) == "Stopped"


def test_create_whose_every_answer_failed_adopts_its_job_so_rollback_can_stop_it(deployment: Deployment) -> None:
    """The first try started the job, the answer was lost, every retry was throttled away. Failing the
    create would orphan a running job (the Provider framework skips the Delete of a failed Create)."""
    d = deployment
    d.faults.lose_response(CREATE).fail(CREATE, "InternalServerException", "Internal", 500, times=20, after=1)

    arn = d.cfn.create(d.properties)["PhysicalResourceId"]
    assert [j["jobArn"] for j in d.jobs()] == [arn] and d.faults.sent[CREATE] == 1
    assert sum(d.context.sleeps) == 60.0

    d.cfn.delete()  # the stack fails elsewhere and rolls back

    assert d.jobs("InProgress") == []


# ---- deploying again: Bedrock never frees a job name, so each request's job gets its own -----------------


def test_redeploying_after_a_rolled_back_create_starts_a_job_under_new_names(deployment: Deployment) -> None:
    """Quota error or another resource failing, then the fix, then the same code deployed again."""
    d = deployment
    first = d.cfn.create(d.properties)["Data"]
    d.cfn.delete()  # the stack rolls back: the job is stopped and keeps its names (and its model)

    second = d.cfn.create(copy.deepcopy(d.properties))["Data"]  # the same properties, a new request

    assert second["JobArn"] != first["JobArn"]
    assert second["JobName"] != first["JobName"] and second["CustomModelName"] != first["CustomModelName"]
    assert second["JobName"].startswith(f"{d.base}-") and first["JobName"].startswith(f"{d.base}-")
    assert d.status(first["JobName"]) == "Stopped" and d.status(second["JobName"]) == "InProgress"
    assert d.model_exists(first["CustomModelName"]) and d.model_exists(second["CustomModelName"])


def test_redeploying_after_a_rolled_back_replacement_starts_a_job_under_new_names(deployment: Deployment) -> None:
    d = deployment
    old = d.cfn.create(d.properties)["PhysicalResourceId"]
    old_data, v1 = dict(d.cfn.data), copy.deepcopy(d.cfn.properties)
    v2 = d.replacement()
    rolled_back = d.cfn.update(v2)[0]["Data"]
    d.cfn.delete(rolled_back["JobArn"], v2)  # the update fails elsewhere: the new job is deleted on rollback
    d.cfn.physical_id, d.cfn.properties, d.cfn.data = old, v1, old_data  # the stack is back at v1

    again = d.cfn.update(copy.deepcopy(v2))[0]["Data"]  # the fix, then the same v2 deployed again

    assert again["JobArn"] not in (old, rolled_back["JobArn"])
    assert again["JobName"] != rolled_back["JobName"] and again["CustomModelName"] != rolled_back["CustomModelName"]
    assert d.status(rolled_back["JobName"]) == "Stopped" and d.status(again["JobName"]) == "InProgress"
    assert {j["jobArn"] for j in d.jobs("InProgress")} == {old, again["JobArn"]}  # until the cleanup Delete


def test_reverting_to_an_earlier_request_starts_a_job_under_new_names(deployment: Deployment) -> None:
    """v1 -> v2 -> v1 (a reverted commit): v1's first job keeps v1's names, the revert gets its own."""
    d = deployment
    v1 = copy.deepcopy(d.properties)
    first = d.cfn.create(v1)["Data"]
    result, replaced = d.cfn.update(d.replacement())
    d.cfn.delete(replaced, v1)  # CloudFormation's cleanup of v1's job
    v2_properties, v2 = copy.deepcopy(d.cfn.properties), result["Data"]

    result, replaced = d.cfn.update(copy.deepcopy(v1))  # the revert
    d.cfn.delete(replaced, v2_properties)

    reverted = result["Data"]
    assert replaced == v2["JobArn"] and reverted["JobArn"] not in (first["JobArn"], v2["JobArn"])
    assert reverted["JobName"] != first["JobName"] and reverted["CustomModelName"] != first["CustomModelName"]
    assert reverted["JobName"].startswith(f"{v1['Request']['jobName']}-")
    assert [j["jobArn"] for j in d.jobs("InProgress")] == [reverted["JobArn"]]
    assert d.status(first["JobName"]) == d.status(v2["JobName"]) == "Stopped"
