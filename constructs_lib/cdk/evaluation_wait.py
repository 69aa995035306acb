"""The evaluation gate's long path: an evaluation that may outlast CloudFormation's hour waits on a wait condition.

CloudFormation waits at most one hour for a custom resource, so a gate given ``timeout=`` of more than 55 minutes
does not run inside the serving resource's wait. Per serving resource and candidate model (``EvaluationWait``):

- ``Evaluation``: a ``Custom::BedrockModelEvaluation`` served by the stack's runtime. Its Create finds the incumbent
  (the serving resource's physical id, read from the stack; the base model on a first serve), starts the gate's
  runner and answers at once; its Delete (rollback, replacement, stack delete) stops the judge and deletes the
  temporary host (deployment or throughput). Its physical id is the evaluation job's name.
- ``Handle`` and ``Wait``: an ``AWS::CloudFormation::WaitConditionHandle`` and ``AWS::CloudFormation::WaitCondition``
  (Count 1, Timeout the gate's, at most 12 hours), DependsOn the Evaluation. The runtime signals SUCCESS (the
  evaluation job) or FAILURE (the reason, both score sets) with a PUT to the handle's presigned URL, which it reads
  from the stack (DescribeStackResource), never from an event.
- The serving resource DependsOn the Wait and reads ``{Evaluation: Ref, Signal: Fn::GetAtt Wait.Data}``: it confirms
  the verdict from Bedrock and S3 before it creates or swaps (the handle URL is in the template's resources, so
  a signal's data proves nothing by itself).

The three logical ids carry a digest of the candidate model (as resolved in the template: a retrained job's model
is a GetAtt of a Result whose logical id carries the job's request digest), the gate property (judge, metrics, data
set, host) and the timeout: a new candidate or gate starts a new evaluation (a wait condition never waits again
once it has been signalled), an unchanged app none. The Evaluation DependsOn the handle, which must exist before
any signal.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from aws_cdk import CfnResource, CfnWaitConditionHandle, Stack
from constructs import Construct

from .. import contract
from . import permissions
from .completion import WAIT_TYPE
from .stack_facts import path_of, unique_id

DIGEST_LEN = contract.EVALUATION_DIGEST_LEN
LIST_WILDCARDS = (
    (
        r"^\*$",
        "bedrock:ListEvaluationJobs has no resource type (Service Authorization Reference for Amazon Bedrock): a "
        "Delete of the evaluation gate finds its judge by name to stop it; stopping needs this stack's owner tag.",
    ),
)


def _digest(*parts: str) -> str:
    return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:DIGEST_LEN]


class EvaluationWait(Construct):
    """Evaluation resource, handle and wait condition of one serving resource's candidate (module docstring)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        service_token: str,
        gate_property: dict[str, Any],
        candidate: str,
        serving: CfnResource,
        serving_type: str,
        timeout_s: int,
    ) -> None:
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        stack_path = path_of(stack)
        own_path = path_of(self)
        in_stack = own_path[len(stack_path) + 1 :] if stack_path else own_path
        # the candidate and the gate (judge, metrics, data set, host) as the template holds them, and the timeout: a
        # new one of any starts a new evaluation; the gate before it never vouches for it
        resolved_candidate, resolved_gate = stack.resolve([candidate, gate_property])
        digest = _digest(
            json.dumps(resolved_candidate, sort_keys=True), str(timeout_s), json.dumps(resolved_gate, sort_keys=True)
        )
        ids = tuple(f"{unique_id(f'{in_stack}/{name}')}{digest}" for name in ("Resource", "Handle", "Wait"))
        self.handle = CfnWaitConditionHandle(self, "Handle")
        self.handle.override_logical_id(ids[1])
        self.evaluation = CfnResource(
            self,
            "Resource",
            type=contract.EVALUATION_RESOURCE_TYPE,
            properties={
                "ServiceToken": service_token,
                contract.PROP_EVALUATION_GATE: gate_property,
                contract.PROP_EVAL_CANDIDATE: candidate,
                contract.PROP_EVAL_SERVING: stack.get_logical_id(serving),
                contract.PROP_EVAL_SERVING_TYPE: serving_type,
                contract.PROP_EVAL_HANDLE: ids[1],
                contract.PROP_EVAL_TIMEOUT: str(timeout_s),
            },
        )
        self.evaluation.override_logical_id(ids[0])
        # its Create may signal at once (the candidate serves already; its runner could not start): the handle first
        self.evaluation.add_override("DependsOn", [ids[1]])
        self.wait = CfnResource(
            self,
            "Wait",
            type=WAIT_TYPE,
            properties={"Count": 1, "Handle": {"Ref": ids[1]}, "Timeout": str(timeout_s)},
        )
        self.wait.override_logical_id(ids[2])
        self.wait.add_override("DependsOn", [ids[0]])

    def serving_property(self) -> dict[str, Any]:
        """The serving resource's ``EvaluationWait``: the job's name (Ref) and the signals' data (GetAtt)."""
        return {
            contract.WAIT_EVALUATION: self.evaluation.ref,
            contract.WAIT_SIGNAL: self.wait.get_att("Data").to_string(),
        }


def grant(stack: Stack, runtime: Any) -> None:
    """What the runtime needs besides the gate's statements (evaluation_resources.py): its own stack's resources
    (the serving resource's physical id, the handle's URL), and the evaluation jobs by name (a Delete's judge)."""
    runtime.grant(permissions.statement(["cloudformation:DescribeStackResource"], [stack.stack_id]))
    runtime.grant(permissions.statement(["bedrock:ListEvaluationJobs"], ["*"]), LIST_WILDCARDS)
