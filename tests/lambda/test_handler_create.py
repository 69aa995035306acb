"""Create: one validated CreateModelCustomizationJob call per customization type, typed and idempotent."""

from __future__ import annotations

import re
from typing import Any

import pytest
from botocore.stub import Stubber
from cfn_support import (
    JOB_ARN,
    JOB_NAME,
    MODEL_NAME,
    OTHER_STACK_ID,
    ROLE_ARN,
    STACK_ID,
    FakeLambdaTime,
    Run,
    as_sent,
    base_request,
    expect_tags,
    job_description,
    make_event,
    token_for,
    with_owner,
)

from lambda_src.customization_job.client import new_bedrock_client
from lambda_src.customization_job.errors import HandlerError
from lambda_src.customization_job.handler import SAFETY_MARGIN_S
from lambda_src.customization_job.idempotency import name_suffix, suffix_in, suffixed_name
from lambda_src.kernel.client import max_call_seconds

TOKEN_PATTERN = r"[a-zA-Z0-9]([-a-zA-Z0-9]{0,254}[a-zA-Z0-9])?"


def expected_token(event: dict[str, Any]) -> str:
    return token_for(event)


def expect_create(stubber: Stubber, params: dict[str, Any], job_arn: str = JOB_ARN) -> None:
    stubber.add_response("create_model_customization_job", {"jobArn": job_arn}, params)


def capture_create_params(bedrock: Any) -> list[dict[str, Any]]:
    """Record the exact kwargs (with their Python types) the handler passes to the client."""
    seen: list[dict[str, Any]] = []
    bedrock.meta.events.register(
        "provide-client-params.bedrock.CreateModelCustomizationJob",
        lambda params, **_: seen.append(dict(params)),
    )
    return seen


def test_fine_tuning_create_sends_typed_request_and_returns_arn(stubber: Stubber, run: Run) -> None:
    request = base_request(
        customModelKmsKeyId="arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
        jobTags=[{"key": "team", "value": "support"}],
        customModelTags=[{"key": "stage", "value": "prod"}],
        validationDataConfig={"validators": [{"s3Uri": "s3://demo-data-bucket/validation/v.jsonl"}]},
        vpcConfig={"subnetIds": ["subnet-0a1b2c3d", "subnet-4e5f6a7b"], "securityGroupIds": ["sg-0123abcd"]},
    )
    event = make_event("Create", request)
    # hyperParameters is a string->string map in the service model: its values stay strings.
    expect_create(stubber, {**as_sent(request, event), "clientRequestToken": expected_token(event)})

    result = run(event)

    stubber.assert_no_pending_responses()
    assert result == {
        "PhysicalResourceId": JOB_ARN,
        "Data": {"JobArn": JOB_ARN, "JobName": JOB_NAME, "CustomModelName": MODEL_NAME},
    }


def test_continued_pre_training_create(stubber: Stubber, run: Run) -> None:
    request = base_request(
        customizationType="CONTINUED_PRE_TRAINING",
        hyperParameters={"epochCount": "1", "batchSize": "1", "learningRate": "0.00001"},
    )
    event = make_event("Create", request)
    expect_create(stubber, {**as_sent(request, event), "clientRequestToken": expected_token(event)})

    assert run(event)["PhysicalResourceId"] == JOB_ARN
    stubber.assert_no_pending_responses()


def test_distillation_create_coerces_teacher_response_length(stubber: Stubber, run: Run, bedrock: Any) -> None:
    teacher = "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0"
    request = base_request(
        customizationType="DISTILLATION",
        hyperParameters={},
        customizationConfig={
            "distillationConfig": {
                "teacherModelConfig": {
                    "teacherModelIdentifier": teacher,
                    "maxResponseLengthForInference": "1000",
                }
            }
        },
    )
    event = make_event("Create", request)
    expected = {**as_sent(request, event), "clientRequestToken": expected_token(event)}
    expected["customizationConfig"] = {
        "distillationConfig": {
            "teacherModelConfig": {"teacherModelIdentifier": teacher, "maxResponseLengthForInference": 1000}
        }
    }
    expect_create(stubber, expected)
    sent = capture_create_params(bedrock)

    assert run(event)["Data"]["JobArn"] == JOB_ARN
    stubber.assert_no_pending_responses()
    teacher_sent = sent[0]["customizationConfig"]["distillationConfig"]["teacherModelConfig"]
    assert type(teacher_sent["maxResponseLengthForInference"]) is int


def test_reinforcement_fine_tuning_create_coerces_ints_and_floats(stubber: Stubber, run: Run, bedrock: Any) -> None:
    grader = "arn:aws:lambda:us-east-1:123456789012:function:grader"
    request = base_request(
        customizationType="REINFORCEMENT_FINE_TUNING",
        hyperParameters={},
        customizationConfig={
            "rftConfig": {
                "graderConfig": {"lambdaGrader": {"lambdaArn": grader}},
                "hyperParameters": {
                    "epochCount": "3",
                    "batchSize": "64",
                    "learningRate": "1e-05",
                    "maxPromptLength": "4096",
                    "trainingSamplePerPrompt": "4",
                    "inferenceMaxTokens": "8192",
                    "reasoningEffort": "medium",
                    "evalInterval": "10",
                },
            }
        },
    )
    event = make_event("Create", request)
    rft_hyper = {
        "epochCount": 3,
        "batchSize": 64,
        "learningRate": 1e-05,
        "maxPromptLength": 4096,
        "trainingSamplePerPrompt": 4,
        "inferenceMaxTokens": 8192,
        "reasoningEffort": "medium",
        "evalInterval": 10,
    }
    expected = {
        **as_sent(request, event),
        "clientRequestToken": expected_token(event),
        "customizationConfig": {
            "rftConfig": {
                "graderConfig": {"lambdaGrader": {"lambdaArn": grader}},
                "hyperParameters": rft_hyper,
            }
        },
    }
    expect_create(stubber, expected)
    sent = capture_create_params(bedrock)

    assert run(event)["PhysicalResourceId"] == JOB_ARN
    stubber.assert_no_pending_responses()
    types = {k: type(v) for k, v in sent[0]["customizationConfig"]["rftConfig"]["hyperParameters"].items()}
    assert types == {k: type(v) for k, v in rft_hyper.items()}
    assert types["learningRate"] is float and types["epochCount"] is int


@pytest.mark.parametrize("combinator", ["andAll", "orAll"])
def test_invocation_logs_training_data_coerces_boolean(
    stubber: Stubber, run: Run, bedrock: Any, combinator: str
) -> None:
    filters = {
        combinator: [
            {"equals": {"project": "support"}},
            {"notEquals": {"stage": "test"}},
        ]
    }
    request = base_request(
        customizationType="DISTILLATION",
        hyperParameters={},
        trainingDataConfig={
            "invocationLogsConfig": {
                "usePromptResponse": "true",
                "invocationLogSource": {"s3Uri": "s3://demo-logs-bucket/invocation-logs/"},
                "requestMetadataFilters": filters,
            }
        },
        customizationConfig={
            "distillationConfig": {
                "teacherModelConfig": {"teacherModelIdentifier": "us.amazon.nova-pro-v1:0"},
            }
        },
    )
    event = make_event("Create", request)
    expected = {**as_sent(request, event), "clientRequestToken": expected_token(event)}
    expected["trainingDataConfig"] = {
        "invocationLogsConfig": {
            "usePromptResponse": True,
            "invocationLogSource": {"s3Uri": "s3://demo-logs-bucket/invocation-logs/"},
            "requestMetadataFilters": filters,
        }
    }
    expect_create(stubber, expected)
    sent = capture_create_params(bedrock)

    assert run(event)["PhysicalResourceId"] == JOB_ARN
    stubber.assert_no_pending_responses()
    assert sent[0]["trainingDataConfig"]["invocationLogsConfig"]["usePromptResponse"] is True


def test_token_is_deterministic_per_cloudformation_request(stubber: Stubber, run: Run, bedrock: Any) -> None:
    sent = capture_create_params(bedrock)
    first = make_event("Create", base_request())
    retried = make_event("Create", base_request())
    other_request = make_event("Create", base_request(), request_id="99999999-8888-7777-6666-555555555555")
    for _ in range(3):
        expect_create(stubber, None)  # type: ignore[arg-type]

    for event in (first, retried, other_request):
        run(event)

    stubber.assert_no_pending_responses()
    tokens = [params["clientRequestToken"] for params in sent]
    assert tokens[0] == tokens[1], "a retried invocation of the same request must reuse its token"
    assert tokens[2] != tokens[0], "a new CloudFormation request must get a new token"
    for token in tokens:
        assert re.fullmatch(TOKEN_PATTERN, token) and len(token) <= 256
    assert tokens[0] == token_for(first)


def test_user_supplied_client_request_token_is_kept(stubber: Stubber, run: Run) -> None:
    request = base_request(clientRequestToken="my-own-token-1")
    event = make_event("Create", request)
    expect_create(stubber, as_sent(request, event))

    assert run(event)["PhysicalResourceId"] == JOB_ARN
    stubber.assert_no_pending_responses()


def assume_role_error(stubber: Stubber) -> None:
    stubber.add_client_error(
        "create_model_customization_job",
        "ValidationException",
        "Could not assume provided IAM role. Make sure the role trusts bedrock.amazonaws.com.",
        400,
    )


def test_iam_propagation_is_retried_with_backoff(stubber: Stubber, run: Run, lambda_time: FakeLambdaTime) -> None:
    event = make_event("Create", base_request())
    expected = {**as_sent(base_request(), event), "clientRequestToken": expected_token(event)}
    assume_role_error(stubber)
    assume_role_error(stubber)
    expect_create(stubber, expected)

    assert run(event)["PhysicalResourceId"] == JOB_ARN
    stubber.assert_no_pending_responses()
    assert lambda_time.sleeps == [2.0, 4.0]


def test_access_denied_right_after_role_creation_is_retried(
    stubber: Stubber, run: Run, lambda_time: FakeLambdaTime
) -> None:
    stubber.add_client_error(
        "create_model_customization_job",
        "AccessDeniedException",
        f"User is not authorized to perform: iam:PassRole on resource: {ROLE_ARN}",
        403,
    )
    expect_create(stubber, None)  # type: ignore[arg-type]

    assert run(make_event("Create", base_request()))["PhysicalResourceId"] == JOB_ARN
    stubber.assert_no_pending_responses()
    assert lambda_time.sleeps == [2.0]


def test_iam_propagation_gives_up_after_about_two_minutes_naming_the_role(
    stubber: Stubber, run: Run, lambda_time: FakeLambdaTime
) -> None:
    for _ in range(10):
        assume_role_error(stubber)

    with pytest.raises(HandlerError) as failure:
        run(make_event("Create", base_request()))

    stubber.assert_no_pending_responses()
    assert sum(lambda_time.sleeps) == 120.0
    assert max(lambda_time.sleeps) <= 20.0
    message = str(failure.value)
    assert ROLE_ARN in message
    assert "Could not assume provided IAM role" in message
    assert "bedrock.amazonaws.com" in message and len(message) < 1000


def call_limit(bedrock: Any) -> float:
    return max_call_seconds(bedrock.meta.config)


def test_retries_stop_before_the_lambda_runs_out_of_time(
    stubber: Stubber, run: Run, lambda_time: FakeLambdaTime, bedrock: Any
) -> None:
    # 15 s to spare beyond one worst-case call and the margin to answer CloudFormation.
    reserve_s = call_limit(bedrock) + SAFETY_MARGIN_S
    lambda_time.remaining_ms = int((reserve_s + 15) * 1000)
    for _ in range(4):
        assume_role_error(stubber)

    with pytest.raises(HandlerError, match=ROLE_ARN):
        run(make_event("Create", base_request()))

    assert lambda_time.sleeps == [2.0, 4.0, 8.0]  # the next 16 s wait would eat into the reserve
    assert lambda_time.remaining_ms >= reserve_s * 1000
    stubber.assert_no_pending_responses()


def test_no_call_starts_without_time_for_its_worst_case(
    stubber: Stubber, run: Run, lambda_time: FakeLambdaTime, bedrock: Any
) -> None:
    lambda_time.remaining_ms = int((call_limit(bedrock) + SAFETY_MARGIN_S - 1) * 1000)
    expect_create(stubber, None)  # type: ignore[arg-type]

    with pytest.raises(HandlerError, match=r"was not attempted: .* worst-case call"):
        run(make_event("Create", base_request()))

    with pytest.raises(AssertionError):
        stubber.assert_no_pending_responses()  # the create was never sent


def test_one_call_cannot_outlast_the_lambda_timeout(bedrock: Any) -> None:
    """Timeouts and botocore's own retries are bounded well inside the handler's 10-minute Lambda."""
    config = new_bedrock_client().meta.config
    assert config.connect_timeout <= 10 and config.read_timeout <= 30
    assert config.retries == {"mode": "standard", "total_max_attempts": 3}
    assert call_limit(bedrock) == max_call_seconds(config)
    # Two worst-case calls, the full IAM-propagation wait and the margin still fit in 600 s.
    assert 2 * max_call_seconds(config) + 120 + SAFETY_MARGIN_S < 600


def test_throttling_is_retried_with_the_same_token(stubber: Stubber, run: Run, lambda_time: FakeLambdaTime) -> None:
    event = make_event("Create", base_request())
    expected = {**as_sent(base_request(), event), "clientRequestToken": expected_token(event)}
    stubber.add_client_error(
        "create_model_customization_job", "ThrottlingException", "Rate exceeded", 429, None, expected
    )
    stubber.add_client_error(
        "create_model_customization_job", "InternalServerException", "Internal", 500, None, expected
    )
    expect_create(stubber, expected)

    assert run(event)["PhysicalResourceId"] == JOB_ARN
    stubber.assert_no_pending_responses()
    assert lambda_time.sleeps == [1.0, 2.0]


def test_quota_exceeded_explains_the_concurrent_job_quota(stubber: Stubber, run: Run) -> None:
    stubber.add_client_error(
        "create_model_customization_job",
        "ServiceQuotaExceededException",
        "The maximum number of concurrent model customization jobs has been reached.",
        400,
    )

    with pytest.raises(HandlerError) as failure:
        run(make_event("Create", base_request()))

    stubber.assert_no_pending_responses()
    message = str(failure.value)
    assert "quota of concurrent model customization jobs" in message
    assert "Service Quotas" in message and "Amazon Bedrock" in message
    assert "The maximum number of concurrent model customization jobs has been reached." in message


def test_validation_error_quotes_bedrock_and_names_the_prop(stubber: Stubber, run: Run) -> None:
    bedrock_says = (
        "1 validation error detected: Value 'bogus' at 'hyperParameters.epochCount' failed to satisfy "
        "constraint: Member must be an integer between 1 and 5"
    )
    stubber.add_client_error("create_model_customization_job", "ValidationException", bedrock_says, 400)

    with pytest.raises(HandlerError) as failure:
        run(make_event("Create", base_request()))

    stubber.assert_no_pending_responses()
    message = str(failure.value)
    assert bedrock_says in message
    assert "hyper_parameters" in message
    assert "supportbot-job-3f9a2c" in message


def test_validation_error_on_training_data_points_at_training_data(stubber: Stubber, run: Run) -> None:
    stubber.add_client_error(
        "create_model_customization_job",
        "ValidationException",
        "Value at 'trainingDataConfig.s3Uri' failed to satisfy constraint: Member must satisfy pattern",
        400,
    )

    with pytest.raises(HandlerError, match=r"training_data"):
        run(make_event("Create", base_request()))
    stubber.assert_no_pending_responses()


def test_uncoercible_value_fails_client_side_without_calling_bedrock(stubber: Stubber, run: Run) -> None:
    request = base_request(
        customizationType="REINFORCEMENT_FINE_TUNING",
        customizationConfig={
            "rftConfig": {
                "graderConfig": {"lambdaGrader": {"lambdaArn": "arn:aws:lambda:us-east-1:123456789012:function:g"}},
                "hyperParameters": {"epochCount": "three"},
            }
        },
    )

    expect_create(stubber, None)  # type: ignore[arg-type]

    with pytest.raises(HandlerError) as failure:
        run(make_event("Create", request))

    # botocore's validation refused the request before it was sent: the queued response is unused.
    with pytest.raises(AssertionError):
        stubber.assert_no_pending_responses()
    message = str(failure.value)
    assert "customizationConfig.rftConfig.hyperParameters.epochCount" in message
    assert "RftConfig" in message


@pytest.mark.parametrize("code", ["ConflictException", "ResourceInUseException"])
def test_conflict_adopts_the_job_this_request_already_started(stubber: Stubber, run: Run, code: str) -> None:
    event = make_event("Create", base_request())
    token = expected_token(event)
    stubber.add_client_error("create_model_customization_job", code, "The job name is already in use.", 400)
    stubber.add_response(
        "get_model_customization_job",
        job_description("InProgress", clientRequestToken=token),
        {"jobIdentifier": JOB_NAME},
    )
    expect_tags(stubber, JOB_ARN)

    result = run(event)

    stubber.assert_no_pending_responses()
    assert result["PhysicalResourceId"] == JOB_ARN
    assert result["Data"]["JobArn"] == JOB_ARN


@pytest.mark.parametrize("code", ["ConflictException", "ResourceInUseException", "ValidationException"])
def test_conflict_with_another_requests_job_names_it(stubber: Stubber, run: Run, code: str) -> None:
    stubber.add_client_error("create_model_customization_job", code, "The provided job name is currently in use.", 400)
    stubber.add_response(
        "get_model_customization_job",
        job_description("Completed", clientRequestToken="someone-elses-token"),
        {"jobIdentifier": "supportbot-job-3f9a2c"},
    )

    with pytest.raises(HandlerError) as failure:
        run(make_event("Create", base_request(), names_generated="false"))

    stubber.assert_no_pending_responses()
    message = str(failure.value)
    assert JOB_ARN in message
    assert "immutable" in message
    assert "omit them so the construct generates unique ones" in message and "job_name" in message


def test_conflict_on_generated_names_explains_that_someone_else_took_them(stubber: Stubber, run: Run) -> None:
    """Generated names carry a suffix unique to the request: a job under them that is not ours came from elsewhere."""
    stubber.add_client_error("create_model_customization_job", "ConflictException", "Job name already exists", 400)
    stubber.add_response(
        "get_model_customization_job",
        job_description("Stopped", clientRequestToken="token-of-someone-else"),
        {"jobIdentifier": JOB_NAME},
    )

    with pytest.raises(HandlerError) as failure:
        run(make_event("Create", base_request(), names_generated="true"))

    stubber.assert_no_pending_responses()
    message = str(failure.value)
    assert "immutable" in message and "suffix unique to this CloudFormation request" in message
    assert "Retry the deployment" in message and "set job_name/custom_model_name" in message


def test_model_name_conflict_without_a_job_of_that_name(stubber: Stubber, run: Run) -> None:
    stubber.add_client_error(
        "create_model_customization_job", "ConflictException", "Custom model name already exists.", 400
    )
    stubber.add_client_error("get_model_customization_job", "ResourceNotFoundException", "not found", 404)

    with pytest.raises(HandlerError) as failure:
        run(make_event("Create", base_request()))

    stubber.assert_no_pending_responses()
    assert repr(MODEL_NAME) in str(failure.value)
    assert "cannot be reused" in str(failure.value)


def test_create_without_request_property_fails_clearly(stubber: Stubber, run: Run) -> None:
    event = make_event("Create", base_request())
    del event["ResourceProperties"]["Request"]

    with pytest.raises(HandlerError, match=r"ResourceProperties\.Request"):
        run(event)
    stubber.assert_no_pending_responses()


def test_throttling_that_never_ends_fails_after_about_a_minute(
    stubber: Stubber, run: Run, lambda_time: FakeLambdaTime
) -> None:
    for _ in range(8):
        stubber.add_client_error("create_model_customization_job", "ThrottlingException", "Rate exceeded", 429)
    # Before failing, one look for a job this request may have started unseen: there is none.
    stubber.add_client_error("get_model_customization_job", "ResourceNotFoundException", "not found", 404)

    with pytest.raises(HandlerError) as failure:
        run(make_event("Create", base_request()))

    stubber.assert_no_pending_responses()
    assert lambda_time.sleeps == [1.0, 2.0, 4.0, 8.0, 16.0, 16.0, 13.0]
    assert "ThrottlingException" in str(failure.value) and "60 s" in str(failure.value)


def test_a_create_that_succeeded_unseen_is_adopted_instead_of_failing(
    stubber: Stubber, run: Run, lambda_time: FakeLambdaTime
) -> None:
    """Every answer was an error, yet the job exists with our token: failing would orphan a running job."""
    event = make_event("Create", base_request())
    for _ in range(8):
        stubber.add_client_error("create_model_customization_job", "InternalServerException", "Internal", 500)
    stubber.add_response(
        "get_model_customization_job",
        job_description("InProgress", clientRequestToken=expected_token(event)),
        {"jobIdentifier": JOB_NAME},
    )
    expect_tags(stubber, JOB_ARN)

    assert run(event)["PhysicalResourceId"] == JOB_ARN
    stubber.assert_no_pending_responses()


# ---- generated names: the request's bases plus a suffix per CloudFormation request ----------------

JOB_NAME_PATTERN = r"[a-zA-Z0-9](-*[a-zA-Z0-9\+\-\.])*"
MODEL_NAME_PATTERN = r"([0-9a-zA-Z][_-]?){1,63}"


def test_generated_names_get_a_suffix_per_request_the_same_on_retries(stubber: Stubber, run: Run, bedrock: Any) -> None:
    sent = capture_create_params(bedrock)
    first = make_event("Create", base_request())
    retried = make_event("Create", base_request())  # a Lambda retry: same RequestId
    redeployed = make_event("Create", base_request(), request_id="99999999-8888-7777-6666-555555555555")
    for _ in range(3):
        expect_create(stubber, None)  # type: ignore[arg-type]

    results = [run(event) for event in (first, retried, redeployed)]

    stubber.assert_no_pending_responses()
    names = [(params["jobName"], params["customModelName"]) for params in sent]
    assert names[0] == (JOB_NAME, MODEL_NAME) == names[1], "a retry of one request sends the same names"
    assert names[2][0] != JOB_NAME and names[2][1] != MODEL_NAME, "a new request gets new names"
    assert names[2][0].startswith("supportbot-job-3f9a2c-") and names[2][1].startswith("supportbot-model-3f9a2c-")
    assert names[2][0].rsplit("-", 1)[1] == names[2][1].rsplit("-", 1)[1], "job and model share the suffix"
    assert [r["Data"]["JobName"] for r in results] == [n[0] for n in names]
    assert [r["Data"]["CustomModelName"] for r in results] == [n[1] for n in names]


def test_generated_names_stay_within_63_characters_and_both_patterns(stubber: Stubber, run: Run) -> None:
    base = "Support-Bot-Fine-Tuning-With-A-Long-Name-0123456789ab"  # the construct's longest base: 53
    assert len(base) == 53
    request = base_request(jobName=base, customModelName=base)
    event = make_event("Create", request)
    sent = as_sent(request, event)
    expect_create(stubber, {**sent, "clientRequestToken": expected_token(event)})

    data = run(event)["Data"]

    stubber.assert_no_pending_responses()
    assert data["JobName"] == data["CustomModelName"] == sent["jobName"]
    assert len(data["JobName"]) == 62 and data["JobName"].startswith(base + "-")
    assert re.fullmatch(JOB_NAME_PATTERN, data["JobName"]) and re.fullmatch(MODEL_NAME_PATTERN, data["JobName"])


def test_user_fixed_names_are_sent_unchanged(stubber: Stubber, run: Run) -> None:
    request = base_request(jobName="my-job.v1", customModelName="my_model-1")
    event = make_event("Create", request, names_generated="false")
    expect_create(stubber, {**with_owner(request), "clientRequestToken": expected_token(event)})

    assert run(event)["Data"] == {"JobArn": JOB_ARN, "JobName": "my-job.v1", "CustomModelName": "my_model-1"}
    stubber.assert_no_pending_responses()


def test_redeploy_after_a_rolled_back_create_does_not_collide(stubber: Stubber, run: Run, bedrock: Any) -> None:
    """The rolled-back create's job keeps its names; the same request deployed again asks for new ones."""
    sent = capture_create_params(bedrock)
    rolled_back = make_event("Create", base_request())
    redeploy = make_event("Create", base_request(), request_id="22222222-3333-4444-5555-666666666666")
    expect_create(stubber, None)  # type: ignore[arg-type]
    expect_create(stubber, None, "arn:aws:bedrock:us-east-1:123456789012:model-customization-job/x/0123456789ab")  # type: ignore[arg-type]

    run(rolled_back)
    second = run(redeploy)

    stubber.assert_no_pending_responses()
    assert sent[0]["jobName"] != sent[1]["jobName"] and sent[0]["customModelName"] != sent[1]["customModelName"]
    assert sent[0]["clientRequestToken"] != sent[1]["clientRequestToken"]
    assert second["Data"]["JobName"] == sent[1]["jobName"]


def test_name_suffix_is_eight_hex_characters_of_the_request_identity() -> None:
    suffix = name_suffix(STACK_ID, "SupportBotJob8F2E1A", "11111111-2222-3333-4444-555555555555")
    assert re.fullmatch(r"[0-9a-f]{8}", suffix)
    assert suffix == name_suffix(STACK_ID, "SupportBotJob8F2E1A", "11111111-2222-3333-4444-555555555555")
    assert suffix != name_suffix(STACK_ID, "SupportBotJob8F2E1A", "11111111-2222-3333-4444-555555555556")
    assert suffix != name_suffix(STACK_ID, "OtherJob0A1B2C3D", "11111111-2222-3333-4444-555555555555")


@pytest.mark.parametrize(
    ("base", "expected"),
    [
        ("SupportBot-0123456789ab", "SupportBot-0123456789ab-1a2b3c4d"),
        ("a" * 60, "a" * 54 + "-1a2b3c4d"),  # longer than the construct makes: cut to fit 63
        ("a" * 53 + "-_b", "a" * 53 + "-1a2b3c4d"),  # no separator run left where the cut falls
    ],
)
def test_suffixed_name_fits_both_patterns(base: str, expected: str) -> None:
    name = suffixed_name(base, "1a2b3c4d")
    assert name == expected and len(name) <= 63
    assert re.fullmatch(JOB_NAME_PATTERN, name) and re.fullmatch(MODEL_NAME_PATTERN, name)
    assert suffix_in(name, base) == "1a2b3c4d"


def test_suffix_in_recognizes_only_names_made_from_the_base() -> None:
    assert suffix_in("SupportBot-0123456789ab-1a2b3c4d", "SupportBot-0123456789ab") == "1a2b3c4d"
    assert suffix_in("SupportBot-0123456789ab", "SupportBot-0123456789ab") is None  # an unsuffixed (older) name
    assert suffix_in("SupportBot-0123456789ab-v2", "SupportBot-0123456789ab") is None
    assert suffix_in("Other-0123456789ab-1a2b3c4d", "SupportBot-0123456789ab") is None


# ---- ownership: a job is adopted only when it carries this stack's owner tag as well as our token ----


def test_a_user_tag_with_the_owner_key_is_replaced_by_the_stacks_own(stubber: Stubber, run: Run) -> None:
    """A hand-written template cannot create a job that claims another stack (or none) as its owner."""
    forged = {"key": "bedrock-customization:stack-id", "value": OTHER_STACK_ID}
    other_case = {"key": "Bedrock-Customization:Stack-ID", "value": OTHER_STACK_ID}  # the same key to IAM
    request = base_request(jobTags=[{"key": "team", "value": "a"}, forged], customModelTags=[other_case])
    event = make_event("Create", request)
    expected = as_sent(base_request(jobTags=[{"key": "team", "value": "a"}]), event)
    expect_create(stubber, {**expected, "clientRequestToken": expected_token(event)})

    run(event)
    stubber.assert_no_pending_responses()


@pytest.mark.parametrize("owner", [OTHER_STACK_ID, None])
def test_a_job_with_our_token_but_not_our_owner_tag_is_not_adopted(
    stubber: Stubber, run: Run, owner: str | None
) -> None:
    """A fixed name and a user token can be copied from any template: the token alone proves nothing."""
    request = base_request(jobName="shared-name", customModelName="shared-model", clientRequestToken="tok-1")
    event = make_event("Create", request, names_generated="false")
    stubber.add_client_error("create_model_customization_job", "ConflictException", "Job name already exists", 400)
    stubber.add_response(
        "get_model_customization_job",
        job_description("InProgress", jobName="shared-name", clientRequestToken="tok-1"),
        {"jobIdentifier": "shared-name"},
    )
    expect_tags(stubber, JOB_ARN, owner)

    with pytest.raises(HandlerError, match="already uses the name 'shared-name'"):
        run(event)
    stubber.assert_no_pending_responses()


def test_a_create_that_failed_unseen_is_not_adopted_without_our_owner_tag(
    stubber: Stubber, run: Run, lambda_time: FakeLambdaTime
) -> None:
    event = make_event("Create", base_request())
    for _ in range(8):
        stubber.add_client_error("create_model_customization_job", "InternalServerException", "Internal", 500)
    stubber.add_response(
        "get_model_customization_job",
        job_description("InProgress", clientRequestToken=expected_token(event)),
        {"jobIdentifier": JOB_NAME},
    )
    expect_tags(stubber, JOB_ARN, OTHER_STACK_ID)

    with pytest.raises(HandlerError, match="InternalServerException"):
        run(event)
    stubber.assert_no_pending_responses()
