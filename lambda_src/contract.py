"""The contract between the constructs and the runtime: every name both sides must spell the same way.

Standard library only, so that both the Lambda functions and the construct library import it (the
constructs as ``constructs_lib._runtime.contract``): a rename happens here, once, and neither side can
drift from the other and break deploys silently.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

# ---- custom resource types and the Lambda entry points (relative to the asset's root) ---------------
JOB_RESOURCE_TYPE = "Custom::BedrockModelCustomizationJob"
RESULT_RESOURCE_TYPE = "Custom::BedrockModelCustomizationResult"
RUNTIME_PACKAGE = "_runtime"
"""The runtime's top-level package in the functions' asset (the library ships it as ``constructs_lib._runtime``)."""
JOB_HANDLER = f"{RUNTIME_PACKAGE}.customization_job.handler.on_event"
WATCHER_HANDLER = f"{RUNTIME_PACKAGE}.job_watcher.handler.handler"
RUNTIME_HANDLER = f"{RUNTIME_PACKAGE}.entry.handler.handler"
"""The stack's one runtime function (every resource type and event; it answers CloudFormation itself)."""
CONTINUATION_KEY = "bedrockCustomizationContinuation"
"""An asynchronous invocation of the runtime by itself that continues a serving wait: ``{key: {event, deadline}}``."""

# ---- properties of Custom::BedrockModelCustomizationJob --------------------------------------------
PROP_REQUEST = "Request"
"""The CreateModelCustomizationJob request, camelCase as boto3 takes it."""
PROP_REMOVAL_POLICY = "ModelRemovalPolicy"
PROP_NAMES_GENERATED = "NamesGenerated"
PROP_TAGS = "Tags"
PROP_ADOPT_UNTAGGED = "AdoptUntaggedJobs"
"""``"true"`` when the job opted in to claiming jobs this stack started before the owner tag (adopt_untagged_jobs)."""
"""Tags from ``Tags.of(scope)`` as a ``{key: value}`` map (rendered by CDK itself at synth): the handler adds
them to both the job's and the model's tags; a tag the request names explicitly wins."""
REMOVAL_RETAIN = "RETAIN"
REMOVAL_DESTROY = "DESTROY"

# ---- properties of Custom::BedrockModelCustomizationResult ------------------------------------------
PROP_JOB_IDENTIFIER = "JobIdentifier"
"""The job whose result the resource reads (the job resource's Ref: its ARN)."""

# ---- attributes (Fn::GetAtt) of the job and of its result -------------------------------------------
ATTR_JOB_ARN = "JobArn"
ATTR_JOB_NAME = "JobName"
ATTR_CUSTOM_MODEL_NAME = "CustomModelName"
ATTR_CUSTOM_MODEL_ARN = "CustomModelArn"
ATTR_TRAINING_LOSS = "TrainingLoss"
ATTR_VALIDATION_LOSS = "ValidationLoss"

# ---- the watcher's inputs ---------------------------------------------------------------------------
METADATA_KEY = "BedrockModelCustomization"
"""The key of a WaitConditionHandle's Metadata that names the job the watcher signals for."""
ENV_STACK_ID = "STACK_ID"
ENV_SCHEDULE_RULE = "SCHEDULE_RULE"

# ---- generated names: ``<construct id>-<digest>`` at synth, ``-<suffix>`` added per request --------
NAME_MAX = 63
"""Both jobName and customModelName allow 63 characters."""
NAME_SUFFIX_LEN = 8
NAME_BASE_MAX = NAME_MAX - 1 - NAME_SUFFIX_LEN
"""54: the longest base the handler can suffix within 63 (the construct generates at most this)."""

# ---- ownership ----------------------------------------------------------------------------------------
ROLE_PATH_ROOT = "bedrock-customization"
"""Job roles the construct creates live under ``/<root>/<region>/<stack name>/``: only that stack's handler
may pass them (its PassRole names the path), so a job running as one was started by that stack."""
OWNER_TAG_KEY = "bedrock-customization:stack-id"
"""Every job and model the handler creates carries it, valued with the CloudFormation stack id; IAM and the
handler act only on resources that carry this stack's."""

# ---- serving: Custom::BedrockCustomModelDeployment and Custom::BedrockProvisionedModelThroughput ------
DEPLOYMENT_RESOURCE_TYPE = "Custom::BedrockCustomModelDeployment"
THROUGHPUT_RESOURCE_TYPE = "Custom::BedrockProvisionedModelThroughput"
SERVING_ON_EVENT = f"{RUNTIME_PACKAGE}.model_serving.handler.on_event"
SERVING_IS_COMPLETE = f"{RUNTIME_PACKAGE}.model_serving.handler.is_complete"
"""Serving uses the Provider framework's isComplete: deployments take minutes, not hours."""

# Properties of both serving resources. PROP_REQUEST (above) holds the Create request, camelCase as boto3
# takes it (CreateCustomModelDeployment / CreateProvisionedModelThroughput), and PROP_NAMES_GENERATED
# says whether its name is a generated base the handler suffixes per request, as for jobs.
PROP_QUALITY_GATE = "QualityGate"
"""Optional: ``{GATE_MAX_TRAINING_LOSS: "1.5", GATE_MAX_VALIDATION_LOSS: "1.2"}`` (strings, as CloudFormation
sends them); checked against the job named by PROP_JOB_ARN before every create or swap."""
GATE_MAX_TRAINING_LOSS = "MaxTrainingLoss"
GATE_MAX_VALIDATION_LOSS = "MaxValidationLoss"
PROP_EVALUATION_GATE = "EvaluationGate"
"""Optional (issue 21): the evaluation gate, a map of the EVAL_* keys below (strings, lists of strings, and
``CustomMetrics`` as CustomMetricDefinition maps); lambda_src/model_evaluation/gate.py reads it, failing closed."""
EVAL_DATASET = "DatasetS3Uri"
EVAL_OUTPUT = "OutputS3Uri"
EVAL_ROLE = "RoleArn"
EVAL_JUDGE = "JudgeModel"
EVAL_METRICS = "Metrics"
EVAL_CUSTOM_METRICS = "CustomMetrics"
EVAL_BASELINE = "Baseline"
EVAL_BASELINE_SERVING = "SERVING"
EVAL_BASELINE_BASE_MODEL = "BASE_MODEL"
EVAL_BASELINE_ABSOLUTE = "ABSOLUTE"
EVAL_MARGIN = "Margin"
EVAL_MIN_SCORES = "MinScores"
EVAL_CANDIDATE_HOST = "CandidateHost"
"""Where the candidate answers before it serves (model_evaluation/host.py); absent: HOST_ON_DEMAND."""
HOST_ON_DEMAND = "OnDemand"
"""A temporary custom model deployment (on demand, billed per token)."""
HOST_PROVISIONED = "ProvisionedThroughput"
"""A temporary no-commitment provisioned throughput of 1 model unit (billed per hour while it exists)."""
HOST_AUTO = "Auto"
"""On demand first; a temporary no-commitment throughput when Bedrock refuses the candidate on demand."""
PROP_JOB_ARN = "JobArn"
"""Optional: the customization job that trained the served model (the gate reads its metrics)."""
PROP_COMMITTED_REMOVAL = "CommittedRemoval"
"""Throughput only: what deleting a committed throughput before its term ends does, FAIL (default) or RETAIN."""
COMMITTED_FAIL = "FAIL"
COMMITTED_RETAIN = "RETAIN"

ATTR_DEPLOYMENT_ARN = "DeploymentArn"
ATTR_DEPLOYMENT_NAME = "DeploymentName"
ATTR_PROVISIONED_MODEL_ARN = "ProvisionedModelArn"
ATTR_PROVISIONED_MODEL_NAME = "ProvisionedModelName"
ATTR_MODEL_ARN = "ModelArn"
"""The model a serving resource serves now (after a swap, the new one)."""
SERVING_TOKEN_TAG_KEY = "bedrock-customization:request-token"
"""Besides OWNER_TAG_KEY, every serving resource the handler creates carries this tag, valued with the request's
clientRequestToken: Get{CustomModelDeployment,ProvisionedModelThroughput} do not return the token, and a retried
create that finds its name taken adopts the resource only when it carries this stack's owner tag and this token.
So a serving resource leaves its user 48 of Bedrock's 50 tags; the handler never changes or removes this key."""

# ---- Bedrock's serving statuses, read by the runtime's waits and the CLI's ``watch`` alike ---------------
# GetCustomModelDeployment: status Creating | Active | Failed, updateDetails.updateStatus Updating | UpdateCompleted |
# UpdateFailed; GetProvisionedModelThroughput: status Creating | InService | Updating | Failed, modelArn and
# desiredModelArn (botocore's bedrock service model, shapes CustomModelDeploymentStatus,
# CustomModelDeploymentUpdateStatus and ProvisionedModelStatus).
DEPLOYMENT_READY = "Active"
THROUGHPUT_READY = "InService"
SERVING_FAILED = "Failed"
UPDATE_IN_PROGRESS = "Updating"
UPDATE_FAILED = "UpdateFailed"


def serving_settled(live: Mapping[str, Any], *, throughput: bool) -> bool:
    """Ready and not moving: a deployment Active with no update under way, a throughput InService serving the model
    it was asked to (``modelArn == desiredModelArn``)."""
    if throughput:
        return live.get("status") == THROUGHPUT_READY and live.get("modelArn") == live.get("desiredModelArn")
    details = live.get("updateDetails")
    updating = isinstance(details, Mapping) and details.get("updateStatus") == UPDATE_IN_PROGRESS
    return live.get("status") == DEPLOYMENT_READY and not updating


def serving_update_failed(live: Mapping[str, Any]) -> bool:
    """A deployment whose last update (a swap) failed: it still serves its previous model."""
    details = live.get("updateDetails")
    return isinstance(details, Mapping) and details.get("updateStatus") == UPDATE_FAILED


PREVIOUS_MODEL_TAG_KEY = "bedrock-customization:previous-model"
"""Set (with the owner tag) on a serving resource just before an evaluation-gated swap, valued with the model it
served until then: a swap back to it (CloudFormation's rollback of that swap) is not evaluated again."""

ATTR_EVALUATION_JOB_ARN = "EvaluationJobArn"
"""Serving attributes after a passed evaluation gate (issue 21): the evaluation job, its report's S3 prefix, and
the per-metric mean scores of the candidate and of the incumbent (or base model), each a compact JSON object."""
ATTR_EVALUATION_REPORT = "EvaluationReport"
ATTR_EVALUATION_CANDIDATE_SCORES = "EvaluationCandidateScores"
ATTR_EVALUATION_INCUMBENT_SCORES = "EvaluationIncumbentScores"

# ---- the evaluation gate's long path (issue 21): evaluations past CloudFormation's hour ----------------------
EVALUATION_RESOURCE_TYPE = "Custom::BedrockModelEvaluation"
"""One per serving resource and candidate model, when the gate's timeout exceeds the in-resource window: its Create
starts the evaluation and answers at once; the runtime signals the wait condition ``PROP_EVAL_HANDLE`` names when it
ends (SUCCESS with the evaluation job, FAILURE with the reason); its Delete stops the judge and the temporary
deployment. Its physical id is the evaluation job's name."""
PROP_EVAL_CANDIDATE = "CandidateModel"
"""The custom model the evaluation vouches for (the serving resource's model)."""
PROP_EVAL_SERVING = "ServingResource"
"""The serving resource's logical id: the runtime reads its physical id (the incumbent) from the stack."""
PROP_EVAL_SERVING_TYPE = "ServingType"
PROP_EVAL_HANDLE = "Handle"
"""The wait condition handle's logical id: the runtime reads its presigned URL from the stack when it signals."""
PROP_EVAL_TIMEOUT = "TimeoutSeconds"
"""The wait condition's Timeout: the evaluation refuses (and signals FAILURE) before it runs out."""
PROP_EVALUATION_WAIT = "EvaluationWait"
"""On the serving resource: ``{WAIT_EVALUATION: Ref of the Evaluation resource (the job's name), WAIT_SIGNAL:
Fn::GetAtt of the wait condition's Data}``; the verdict is confirmed from Bedrock and S3, never taken from it."""
EVALUATION_DIGEST_LEN = 10
"""The Evaluation resource's, its handle's and its wait's logical ids end in the same digest of this length (the
runtime signals only a handle whose id ends like its Evaluation's)."""
WAIT_EVALUATION = "Evaluation"
WAIT_SIGNAL = "Signal"
LONG_EVALUATION_MIN_S = 55 * 60
"""A gate timeout up to this runs inside the serving resource's own wait (no timeout given: the default)."""
LONG_EVALUATION_MAX_S = 12 * 3600
"""AWS::CloudFormation::WaitCondition's Timeout: at most 43200 seconds (12 hours)."""
