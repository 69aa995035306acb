"""What makes a served model an aws-cdk-lib model: ``aws_bedrock.IModel``, its CloudWatch metrics, and the
deployment or throughput imported by ARN.

``model_arn`` is the ARN applications pass as ``modelId`` (the deployment's or the provisioned model's own ARN),
so every aws-cdk-lib API that takes an ``IModel`` (``aws_stepfunctions_tasks.BedrockInvokeModel``, ...) invokes
the served model, and grants on that ARN.

Metrics: the Bedrock user guide, "Monitor bedrock-runtime inference using CloudWatch metrics"
(https://docs.aws.amazon.com/bedrock/latest/userguide/monitoring-runtime-metrics.html): the runtime publishes
Invocations, InvocationLatency, InvocationClientErrors, InvocationServerErrors, InvocationThrottles,
InputTokenCount and OutputTokenCount under the ``AWS/Bedrock`` namespace, per ``ModelId``. The dimension's
value for a model invoked by a deployment or provisioned-model ARN is taken to be that ARN (the ``modelId`` the
caller passed); the page does not say so for these ARNs.
"""

from __future__ import annotations

import re
from typing import Any

import jsii
from aws_cdk import Duration, Resource
from aws_cdk import aws_bedrock as bedrock
from aws_cdk import aws_cloudwatch as cloudwatch
from aws_cdk import aws_iam as iam
from constructs import Construct

from ..rules import validation as v
from . import serving_permissions

NAMESPACE = "AWS/Bedrock"
DIMENSION = "ModelId"

# botocore's service model (bedrock): shapes CustomModelDeploymentArn and ProvisionedModelArn.
DEPLOYMENT_ARN_PATTERN = r"arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:[0-9]{12}:custom-model-deployment/[a-z0-9]{12}"
PROVISIONED_MODEL_ARN_PATTERN = r"arn:aws(-[^:]+)?:bedrock:[a-z0-9-]{1,20}:[0-9]{12}:provisioned-model/[a-z0-9]{12}"


class ServedModelMetrics:
    """``model_arn`` (the ARN to invoke) and Bedrock's runtime metrics for it; the host supplies ``_arn()``."""

    def _arn(self) -> str:
        raise NotImplementedError

    @property
    def model_arn(self) -> str:
        """The ARN applications pass as ``modelId`` (``aws_bedrock.IModel``): the deployment's or throughput's own."""
        return self._arn()

    def metric(
        self,
        metric_name: str,
        *,
        statistic: str | None = None,
        period: Duration | None = None,
        unit: cloudwatch.Unit | None = None,
        label: str | None = None,
        color: str | None = None,
        account: str | None = None,
        region: str | None = None,
        dimensions_map: dict[str, str] | None = None,
    ) -> cloudwatch.Metric:
        """Any ``AWS/Bedrock`` runtime metric of this model (dimension ``ModelId``: ``model_arn``)."""
        return cloudwatch.Metric(
            namespace=NAMESPACE,
            metric_name=metric_name,
            dimensions_map={DIMENSION: self.model_arn, **(dimensions_map or {})},
            statistic=statistic,
            period=period,
            unit=unit,
            label=label,
            color=color,
            account=account,
            region=region,
        )

    def metric_invocations(self, **props: Any) -> cloudwatch.Metric:
        """Requests Bedrock accepted (Converse, ConverseStream, InvokeModel, InvokeModelWithResponseStream); Sum."""
        return self.metric("Invocations", **{"statistic": "Sum", **props})

    def metric_invocation_latency(self, **props: Any) -> cloudwatch.Metric:
        """Milliseconds from the request to the last token; Average."""
        return self.metric("InvocationLatency", **{"statistic": "Average", **props})

    def metric_invocation_client_errors(self, **props: Any) -> cloudwatch.Metric:
        """Invocations that ended in a client-side error; Sum."""
        return self.metric("InvocationClientErrors", **{"statistic": "Sum", **props})

    def metric_invocation_server_errors(self, **props: Any) -> cloudwatch.Metric:
        """Invocations that ended in an AWS server-side error; Sum."""
        return self.metric("InvocationServerErrors", **{"statistic": "Sum", **props})

    def metric_invocation_throttles(self, **props: Any) -> cloudwatch.Metric:
        """Invocations Bedrock throttled (counted neither as invocations nor as errors); Sum."""
        return self.metric("InvocationThrottles", **{"statistic": "Sum", **props})

    def metric_input_token_count(self, **props: Any) -> cloudwatch.Metric:
        """Tokens in the input; Sum."""
        return self.metric("InputTokenCount", **{"statistic": "Sum", **props})

    def metric_output_token_count(self, **props: Any) -> cloudwatch.Metric:
        """Tokens in the output; Sum."""
        return self.metric("OutputTokenCount", **{"statistic": "Sum", **props})


@jsii.implements(bedrock.IModel)
class ImportedServedModel(ServedModelMetrics, Resource):
    """A custom model deployment or provisioned throughput created elsewhere, by ARN: an ``IModel`` to invoke,
    grant on and watch (``CustomModelDeployment.from_deployment_arn``,
    ``ProvisionedThroughput.from_provisioned_model_arn``)."""

    def __init__(self, scope: Construct, construct_id: str, *, arn: str) -> None:
        super().__init__(scope, construct_id)
        self._served_arn = arn

    def _arn(self) -> str:
        return self._served_arn

    def grant_invoke(self, grantee: iam.IGrantable) -> iam.Grant:
        """InvokeModel, InvokeModelWithResponseStream, Converse and ConverseStream on this ARN."""
        return iam.Grant.add_to_principal(
            grantee=grantee, actions=serving_permissions.INVOKE_ACTIONS, resource_arns=[self._served_arn]
        )


_KINDS = {
    "deployment": (
        DEPLOYMENT_ARN_PATTERN,
        "a custom model deployment ARN",
        "CustomModelDeployment.from_deployment_arn",
    ),
    "throughput": (
        PROVISIONED_MODEL_ARN_PATTERN,
        "a provisioned model ARN",
        "ProvisionedThroughput.from_provisioned_model_arn",
    ),
}


def import_served(scope: Construct, construct_id: str, arn: Any, kind: str, prop: str) -> ImportedServedModel:
    """The importer behind both ``from_*`` methods: the ARN checked against its botocore pattern (a token is
    taken as it is), an ARN of the other kind refused with the importer to use."""
    pattern, what, _ = _KINDS[kind]
    with v.reported_at(f"{scope.node.path}/{construct_id}"):
        v.check_type(prop, arn, str, f"{what} (str)")
        if not v.is_token(arn) and re.fullmatch(pattern, arn) is None:
            other = next(k for k in _KINDS if k != kind)
            other_pattern, other_what, other_importer = _KINDS[other]
            if re.fullmatch(other_pattern, arn) is not None:
                raise v.ValidationError(
                    f"Invalid {prop} {arn!r}: this is {other_what}; import it with {other_importer}(scope, id, arn)."
                )
            raise v.ValidationError(f"Invalid {prop} {arn!r}: expected {what}, matching {pattern}.")
    return ImportedServedModel(scope, construct_id, arn=arn)
