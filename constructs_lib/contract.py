"""The runtime's contract as the constructs read it: the names both sides spell the same way.

The values live in one place, the runtime's own ``contract`` module (the repository's
``lambda_src/contract.py``, shipped as ``constructs_lib._runtime.contract``); this module only gives them
types for the construct wing. A test checks that it re-exports every name of the runtime's module.
"""

from __future__ import annotations

from collections.abc import Mapping
from importlib import import_module
from typing import Any, Final

_runtime = import_module(f"{__package__}._runtime.contract")

JOB_RESOURCE_TYPE: Final[str] = _runtime.JOB_RESOURCE_TYPE
RESULT_RESOURCE_TYPE: Final[str] = _runtime.RESULT_RESOURCE_TYPE
RUNTIME_PACKAGE: Final[str] = _runtime.RUNTIME_PACKAGE
JOB_HANDLER: Final[str] = _runtime.JOB_HANDLER
WATCHER_HANDLER: Final[str] = _runtime.WATCHER_HANDLER
RUNTIME_HANDLER: Final[str] = _runtime.RUNTIME_HANDLER
CONTINUATION_KEY: Final[str] = _runtime.CONTINUATION_KEY
PROP_REQUEST: Final[str] = _runtime.PROP_REQUEST
PROP_REMOVAL_POLICY: Final[str] = _runtime.PROP_REMOVAL_POLICY
PROP_NAMES_GENERATED: Final[str] = _runtime.PROP_NAMES_GENERATED
PROP_TAGS: Final[str] = _runtime.PROP_TAGS
PROP_ADOPT_UNTAGGED: Final[str] = _runtime.PROP_ADOPT_UNTAGGED
REMOVAL_RETAIN: Final[str] = _runtime.REMOVAL_RETAIN
REMOVAL_DESTROY: Final[str] = _runtime.REMOVAL_DESTROY
PROP_JOB_IDENTIFIER: Final[str] = _runtime.PROP_JOB_IDENTIFIER
ATTR_JOB_ARN: Final[str] = _runtime.ATTR_JOB_ARN
ATTR_JOB_NAME: Final[str] = _runtime.ATTR_JOB_NAME
ATTR_CUSTOM_MODEL_NAME: Final[str] = _runtime.ATTR_CUSTOM_MODEL_NAME
ATTR_CUSTOM_MODEL_ARN: Final[str] = _runtime.ATTR_CUSTOM_MODEL_ARN
ATTR_TRAINING_LOSS: Final[str] = _runtime.ATTR_TRAINING_LOSS
ATTR_VALIDATION_LOSS: Final[str] = _runtime.ATTR_VALIDATION_LOSS
METADATA_KEY: Final[str] = _runtime.METADATA_KEY
ENV_STACK_ID: Final[str] = _runtime.ENV_STACK_ID
ENV_SCHEDULE_RULE: Final[str] = _runtime.ENV_SCHEDULE_RULE
NAME_MAX: Final[int] = _runtime.NAME_MAX
NAME_SUFFIX_LEN: Final[int] = _runtime.NAME_SUFFIX_LEN
NAME_BASE_MAX: Final[int] = _runtime.NAME_BASE_MAX
OWNER_TAG_KEY: Final[str] = _runtime.OWNER_TAG_KEY
ROLE_PATH_ROOT: Final[str] = _runtime.ROLE_PATH_ROOT
DEPLOYMENT_RESOURCE_TYPE: Final[str] = _runtime.DEPLOYMENT_RESOURCE_TYPE
THROUGHPUT_RESOURCE_TYPE: Final[str] = _runtime.THROUGHPUT_RESOURCE_TYPE
SERVING_ON_EVENT: Final[str] = _runtime.SERVING_ON_EVENT
SERVING_IS_COMPLETE: Final[str] = _runtime.SERVING_IS_COMPLETE
PROP_QUALITY_GATE: Final[str] = _runtime.PROP_QUALITY_GATE
GATE_MAX_TRAINING_LOSS: Final[str] = _runtime.GATE_MAX_TRAINING_LOSS
GATE_MAX_VALIDATION_LOSS: Final[str] = _runtime.GATE_MAX_VALIDATION_LOSS
PROP_JOB_ARN: Final[str] = _runtime.PROP_JOB_ARN
PROP_EVALUATION_GATE: Final[str] = _runtime.PROP_EVALUATION_GATE
EVAL_DATASET: Final[str] = _runtime.EVAL_DATASET
EVAL_OUTPUT: Final[str] = _runtime.EVAL_OUTPUT
EVAL_ROLE: Final[str] = _runtime.EVAL_ROLE
EVAL_JUDGE: Final[str] = _runtime.EVAL_JUDGE
EVAL_METRICS: Final[str] = _runtime.EVAL_METRICS
EVAL_CUSTOM_METRICS: Final[str] = _runtime.EVAL_CUSTOM_METRICS
EVAL_BASELINE: Final[str] = _runtime.EVAL_BASELINE
EVAL_BASELINE_SERVING: Final[str] = _runtime.EVAL_BASELINE_SERVING
EVAL_BASELINE_BASE_MODEL: Final[str] = _runtime.EVAL_BASELINE_BASE_MODEL
EVAL_BASELINE_ABSOLUTE: Final[str] = _runtime.EVAL_BASELINE_ABSOLUTE
EVAL_MARGIN: Final[str] = _runtime.EVAL_MARGIN
EVAL_MIN_SCORES: Final[str] = _runtime.EVAL_MIN_SCORES
EVAL_CANDIDATE_HOST: Final[str] = _runtime.EVAL_CANDIDATE_HOST
HOST_ON_DEMAND: Final[str] = _runtime.HOST_ON_DEMAND
HOST_PROVISIONED: Final[str] = _runtime.HOST_PROVISIONED
HOST_AUTO: Final[str] = _runtime.HOST_AUTO
PROP_COMMITTED_REMOVAL: Final[str] = _runtime.PROP_COMMITTED_REMOVAL
COMMITTED_FAIL: Final[str] = _runtime.COMMITTED_FAIL
COMMITTED_RETAIN: Final[str] = _runtime.COMMITTED_RETAIN
ATTR_DEPLOYMENT_ARN: Final[str] = _runtime.ATTR_DEPLOYMENT_ARN
ATTR_DEPLOYMENT_NAME: Final[str] = _runtime.ATTR_DEPLOYMENT_NAME
ATTR_PROVISIONED_MODEL_ARN: Final[str] = _runtime.ATTR_PROVISIONED_MODEL_ARN
ATTR_PROVISIONED_MODEL_NAME: Final[str] = _runtime.ATTR_PROVISIONED_MODEL_NAME
ATTR_MODEL_ARN: Final[str] = _runtime.ATTR_MODEL_ARN
SERVING_TOKEN_TAG_KEY: Final[str] = _runtime.SERVING_TOKEN_TAG_KEY

DEPLOYMENT_READY: Final[str] = _runtime.DEPLOYMENT_READY
THROUGHPUT_READY: Final[str] = _runtime.THROUGHPUT_READY
SERVING_FAILED: Final[str] = _runtime.SERVING_FAILED
UPDATE_IN_PROGRESS: Final[str] = _runtime.UPDATE_IN_PROGRESS
UPDATE_FAILED: Final[str] = _runtime.UPDATE_FAILED


def serving_settled(live: Mapping[str, Any], *, throughput: bool) -> bool:
    """The runtime's reading of Bedrock's serving statuses (contract.serving_settled): the CLI's ``watch`` uses it."""
    result: bool = _runtime.serving_settled(live, throughput=throughput)
    return result


def serving_update_failed(live: Mapping[str, Any]) -> bool:
    result: bool = _runtime.serving_update_failed(live)
    return result


PREVIOUS_MODEL_TAG_KEY: Final[str] = _runtime.PREVIOUS_MODEL_TAG_KEY
ATTR_EVALUATION_JOB_ARN: Final[str] = _runtime.ATTR_EVALUATION_JOB_ARN
ATTR_EVALUATION_REPORT: Final[str] = _runtime.ATTR_EVALUATION_REPORT
ATTR_EVALUATION_CANDIDATE_SCORES: Final[str] = _runtime.ATTR_EVALUATION_CANDIDATE_SCORES
ATTR_EVALUATION_INCUMBENT_SCORES: Final[str] = _runtime.ATTR_EVALUATION_INCUMBENT_SCORES
EVALUATION_RESOURCE_TYPE: Final[str] = _runtime.EVALUATION_RESOURCE_TYPE
PROP_EVAL_CANDIDATE: Final[str] = _runtime.PROP_EVAL_CANDIDATE
PROP_EVAL_SERVING: Final[str] = _runtime.PROP_EVAL_SERVING
PROP_EVAL_SERVING_TYPE: Final[str] = _runtime.PROP_EVAL_SERVING_TYPE
PROP_EVAL_HANDLE: Final[str] = _runtime.PROP_EVAL_HANDLE
PROP_EVAL_TIMEOUT: Final[str] = _runtime.PROP_EVAL_TIMEOUT
PROP_EVALUATION_WAIT: Final[str] = _runtime.PROP_EVALUATION_WAIT
WAIT_EVALUATION: Final[str] = _runtime.WAIT_EVALUATION
WAIT_SIGNAL: Final[str] = _runtime.WAIT_SIGNAL
LONG_EVALUATION_MIN_S: Final[int] = _runtime.LONG_EVALUATION_MIN_S
LONG_EVALUATION_MAX_S: Final[int] = _runtime.LONG_EVALUATION_MAX_S
EVALUATION_DIGEST_LEN: Final[int] = _runtime.EVALUATION_DIGEST_LEN
