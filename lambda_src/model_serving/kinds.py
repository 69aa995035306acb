"""The two serving resources as data: which API operations, fields, statuses and attributes each one has.

Everything else in this package is written once against a ``Kind``: a custom model deployment (on demand)
and a provisioned model throughput differ only in the names below. Field names are the API's (botocore's
service model), attribute names the contract's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, TypeGuard

from ..contract import (
    ATTR_DEPLOYMENT_ARN,
    ATTR_DEPLOYMENT_NAME,
    ATTR_PROVISIONED_MODEL_ARN,
    ATTR_PROVISIONED_MODEL_NAME,
    DEPLOYMENT_READY,
    DEPLOYMENT_RESOURCE_TYPE,
    THROUGHPUT_READY,
    THROUGHPUT_RESOURCE_TYPE,
)


@dataclass(frozen=True)
class Kind:
    """One serving resource type and the spelling of everything about it."""

    resource_type: str
    noun: str
    """For reasons and logs: "custom model deployment", "provisioned model throughput"."""
    create_operation: str
    """The botocore operation name, for coercion and Stubber-free introspection."""
    arn_field: str
    """The ARN in the Create and Get responses."""
    name_field: str
    """The name in the Create request and the Get response."""
    model_field: str
    """The served model in the Create request (an ARN, or for throughput also a name)."""
    identifier_param: str
    """Get/Update/Delete take the resource under this parameter."""
    api: str
    """The client methods' stem: ``create_<api>``, ``get_<api>``, ``update_<api>``, ``delete_<api>``."""
    update_model_param: str
    """The Update request's field that names the model to serve."""
    ready_status: str
    replacement_fields: tuple[str, ...]
    """Request fields that cannot change in place: a different value needs a new resource."""
    rename_param: str | None
    """The Update request's field that renames the resource in place; None: a new name needs a new resource."""
    same_base_swaps_only: bool
    """Whether the Update takes only a model of the same base model (documented for throughput only)."""
    attr_arn: str
    attr_name: str
    arn_pattern: re.Pattern[str]
    cli_get: str
    cli_delete: str

    def is_arn(self, value: Any) -> TypeGuard[str]:
        """Whether ``value`` is an ARN of this kind (a failed create's placeholder physical id is not)."""
        return isinstance(value, str) and self.arn_pattern.fullmatch(value) is not None


_ARN = r"arn:aws[a-z-]*:bedrock:[a-z0-9-]{1,20}:\d{12}:"

DEPLOYMENT = Kind(
    resource_type=DEPLOYMENT_RESOURCE_TYPE,
    noun="custom model deployment",
    create_operation="CreateCustomModelDeployment",
    arn_field="customModelDeploymentArn",
    name_field="modelDeploymentName",
    model_field="modelArn",
    identifier_param="customModelDeploymentIdentifier",
    api="custom_model_deployment",
    update_model_param="modelArn",
    ready_status=DEPLOYMENT_READY,
    replacement_fields=("description",),
    # UpdateCustomModelDeployment takes modelArn only: no rename. Its docs (botocore's shape, the API reference
    # API_UpdateCustomModelDeployment.html) state no base-model rule, so none is imposed here.
    rename_param=None,
    same_base_swaps_only=False,
    attr_arn=ATTR_DEPLOYMENT_ARN,
    attr_name=ATTR_DEPLOYMENT_NAME,
    arn_pattern=re.compile(_ARN + r"custom-model-deployment/[a-z0-9]{12}"),
    cli_get="aws bedrock get-custom-model-deployment --custom-model-deployment-identifier",
    cli_delete="aws bedrock delete-custom-model-deployment --custom-model-deployment-identifier",
)

THROUGHPUT = Kind(
    resource_type=THROUGHPUT_RESOURCE_TYPE,
    noun="provisioned model throughput",
    create_operation="CreateProvisionedModelThroughput",
    arn_field="provisionedModelArn",
    name_field="provisionedModelName",
    model_field="modelId",
    identifier_param="provisionedModelId",
    api="provisioned_model_throughput",
    update_model_param="desiredModelId",
    ready_status=THROUGHPUT_READY,
    replacement_fields=("modelUnits", "commitmentDuration"),
    # UpdateProvisionedModelThroughput (botocore shape UpdateProvisionedModelThroughputRequest):
    # desiredProvisionedModelName renames in place; desiredModelId takes "the base model from which the custom
    # model was customized" or "another custom model that was customized from the same base model".
    rename_param="desiredProvisionedModelName",
    same_base_swaps_only=True,
    attr_arn=ATTR_PROVISIONED_MODEL_ARN,
    attr_name=ATTR_PROVISIONED_MODEL_NAME,
    arn_pattern=re.compile(_ARN + r"provisioned-model/[a-z0-9]{12}"),
    cli_get="aws bedrock get-provisioned-model-throughput --provisioned-model-id",
    cli_delete="aws bedrock delete-provisioned-model-throughput --provisioned-model-id",
)

KINDS = {kind.resource_type: kind for kind in (DEPLOYMENT, THROUGHPUT)}


def kind_of_arn(value: Any) -> Kind | None:
    """The kind whose ARN ``value`` is, else None."""
    return next((kind for kind in KINDS.values() if kind.is_arn(value)), None)
