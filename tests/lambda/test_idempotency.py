"""The derived clientRequestToken: the CloudFormation request's identity and a digest of what it asks for.

The identity part makes a retried invocation reuse the token (one job per request); the request digest
lets an UPDATE_ROLLBACK recognise the job it rolls back to. Requests are digested after coercion, as the
handler does, so CloudFormation's strings and the typed values they stand for digest alike.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from cfn_support import LOGICAL_ID, REQUEST_ID, STACK_ID, base_request, coerced

from lambda_src.customization_job.idempotency import client_request_token, request_digest, request_digest_in

TOKEN_PATTERN = r"[a-zA-Z0-9]([-a-zA-Z0-9]{0,254}[a-zA-Z0-9])?"
OTHER_REQUEST_ID = "99999999-8888-7777-6666-555555555555"


def token(request: dict[str, Any], request_id: str = REQUEST_ID) -> str:
    return client_request_token(STACK_ID, LOGICAL_ID, request_id, coerced(request))


def parts(value: str) -> tuple[str, str]:
    match = re.fullmatch(r"cfn-([0-9a-f]{24})-([0-9a-f]{24})", value)
    assert match, value
    return match.group(1), match.group(2)


def test_format_is_two_digests_within_the_api_pattern() -> None:
    value = token(base_request())

    assert re.fullmatch(TOKEN_PATTERN, value) and len(value) == 53
    assert parts(value)[1] == request_digest(coerced(base_request())) == request_digest_in(value)


def test_same_request_and_request_id_give_the_same_token() -> None:
    assert token(base_request()) == token(base_request())


def test_another_cloudformation_request_changes_only_the_identity_part() -> None:
    first, again = parts(token(base_request())), parts(token(base_request(), OTHER_REQUEST_ID))

    assert first[0] != again[0] and first[1] == again[1]


def test_another_request_changes_only_the_request_digest() -> None:
    changed = base_request(
        hyperParameters={"epochCount": "3", "learningRate": "1e-05", "learningRateWarmupSteps": "10"}
    )
    first, other = parts(token(base_request())), parts(token(changed))

    assert first[0] == other[0] and first[1] != other[1]
    assert parts(token(base_request(jobName="supportbot-job-77d1e0")))[1] != first[1], "names are part of it"


def test_tags_and_a_given_token_are_not_part_of_the_request_digest() -> None:
    tagged = base_request(
        jobTags=[{"key": "team", "value": "search"}],
        customModelTags=[{"key": "stage", "value": "prod"}],
        clientRequestToken="release-7",
    )

    assert request_digest(coerced(tagged)) == request_digest(coerced(base_request()))


def test_strings_and_typed_scalars_digest_the_same() -> None:
    teacher = "arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-pro-v1:0"

    def distillation(length: Any, use_prompt_response: Any) -> dict[str, Any]:
        return base_request(
            customizationType="DISTILLATION",
            trainingDataConfig={
                "invocationLogsConfig": {
                    "usePromptResponse": use_prompt_response,
                    "invocationLogSource": {"s3Uri": "s3://demo-logs-bucket/invocation-logs/"},
                }
            },
            customizationConfig={
                "distillationConfig": {
                    "teacherModelConfig": {"teacherModelIdentifier": teacher, "maxResponseLengthForInference": length}
                }
            },
        )

    as_cloudformation_sends_it = distillation("1000", "true")
    typed = distillation(1000, True)

    assert request_digest(coerced(as_cloudformation_sends_it)) == request_digest(coerced(typed))
    assert request_digest(coerced(distillation("1001", "true"))) != request_digest(coerced(typed))


def test_numbers_written_differently_digest_the_same() -> None:
    def rft(rate: str) -> dict[str, Any]:
        return base_request(customizationConfig={"rftConfig": {"hyperParameters": {"learningRate": rate}}})

    assert request_digest(coerced(rft("1e-05"))) == request_digest(coerced(rft("0.00001")))


def test_key_order_does_not_matter() -> None:
    request = coerced(base_request())
    reordered = {k: request[k] for k in reversed(list(request))}
    reordered["hyperParameters"] = dict(reversed(list(request["hyperParameters"].items())))

    assert request_digest(reordered) == request_digest(request)


@pytest.mark.parametrize(
    "value",
    [
        "cfn-" + "0123456789abcdef" * 4,  # an older handler's token: one digest of the request's identity
        "release-1",  # a user's
        "cfn-" + "0" * 24 + "-" + "A" * 24,
        "",
        None,
    ],
)
def test_tokens_without_a_request_digest_carry_none(value: Any) -> None:
    assert request_digest_in(value) is None
