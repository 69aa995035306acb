"""The evaluation gate's long path at synth (issue 21): ``QualityGate.evaluation(..., timeout=Duration.hours(n))``
beyond the in-resource window adds, per serving resource, a ``Custom::BedrockModelEvaluation`` resource, a wait
condition handle and a wait condition (at most 12 h, CloudFormation's limit for AWS::CloudFormation::WaitCondition),
in the order Evaluation -> Wait -> serving resource; their logical ids change with the candidate model, so a retrain
starts a new evaluation. Checked with aws_cdk.assertions, cdk-nag, cfn-lint and the IAM evaluator."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Duration, Stack, Validations
from aws_cdk import aws_s3 as s3
from aws_cdk.assertions import Template
from unit.helpers import dependency_cycle

from constructs_lib import Builtin, CustomModelDeployment, EvaluationDataset, QualityGate

from .helpers import MODEL_ARN, waiting_job

JUDGE = "anthropic.claude-3-5-sonnet-20240620-v1:0"
EVALUATION_TYPE = "Custom::BedrockModelEvaluation"
DEPLOYMENT_TYPE = "Custom::BedrockCustomModelDeployment"
THROUGHPUT_TYPE = "Custom::BedrockProvisionedModelThroughput"
HANDLE_TYPE = "AWS::CloudFormation::WaitConditionHandle"
WAIT_TYPE = "AWS::CloudFormation::WaitCondition"
STACK_ID = "arn:aws:cloudformation:us-east-1:111122223333:stack/Serving/1"
OWNER = "bedrock-customization:stack-id"
CFN_LINT = str(Path(sys.executable).parent / "cfn-lint")


def gate(tmp_path: Path, **overrides: Any) -> Any:
    path = tmp_path / "prompts.jsonl"
    path.write_text(json.dumps({"prompt": "How?", "referenceResponse": "So."}) + "\n", encoding="utf-8")
    props: dict[str, Any] = {
        "dataset": EvaluationDataset.from_asset(str(path)),
        "judge": JUDGE,
        "metrics": [Builtin.CORRECTNESS],
        **overrides,
    }
    return QualityGate.evaluation(**props)


def of_type(template: dict[str, Any], resource_type: str) -> dict[str, dict[str, Any]]:
    return {k: r for k, r in template["Resources"].items() if r["Type"] == resource_type}


def synth(tmp_path: Path, *, learning_rate: float = 1e-5, hours: float = 3, throughput: bool = False) -> dict[str, Any]:
    stack = Stack(App(), "Serving")
    job = waiting_job(stack, hyper_parameters={"epochCount": 2, "learningRate": learning_rate})
    long_gate = gate(tmp_path, timeout=Duration.minutes(round(hours * 60)))
    if throughput:
        job.provision_throughput("Serve", model_units=1, gate=long_gate)
    else:
        job.deploy_on_demand("Serve", gate=long_gate)
    loaded: dict[str, Any] = Template.from_stack(stack).to_json()
    return loaded


def long_path(template: dict[str, Any], serving_type: str = DEPLOYMENT_TYPE) -> tuple[str, str, str, str]:
    """(evaluation, handle, wait, serving) logical ids of the one long-path evaluation."""
    [evaluation] = of_type(template, EVALUATION_TYPE)
    props = template["Resources"][evaluation]["Properties"]
    handle = props["Handle"]
    [wait] = [k for k, r in of_type(template, WAIT_TYPE).items() if r["Properties"]["Handle"] == {"Ref": handle}]
    [serving] = of_type(template, serving_type)
    return evaluation, handle, wait, serving


@pytest.mark.parametrize("throughput", [False, True])
def test_a_gate_timeout_past_the_hour_adds_the_evaluation_its_wait_and_the_order(
    tmp_path: Path, throughput: bool
) -> None:
    template = synth(tmp_path, throughput=throughput)
    evaluation, handle, wait, serving = long_path(template, THROUGHPUT_TYPE if throughput else DEPLOYMENT_TYPE)
    resources = template["Resources"]

    assert resources[handle]["Type"] == HANDLE_TYPE
    assert resources[wait]["Properties"]["Count"] == 1
    assert resources[wait]["Properties"]["Timeout"] == str(3 * 3600)
    assert resources[wait]["DependsOn"] == [evaluation], "the wait starts when the evaluation resource exists"
    # the Evaluation's Create may signal at once (the candidate serves already, or its runner could not start):
    # the handle must exist by then, or the signal is lost and the wait runs to its timeout
    assert handle in resources[evaluation].get("DependsOn", []), "the handle exists before the evaluation starts"
    served = resources[serving]
    assert wait in served["DependsOn"], "the serving resource changes only after the signal"
    assert served["Properties"]["EvaluationWait"] == {
        "Evaluation": {"Ref": evaluation},
        "Signal": {"Fn::GetAtt": [wait, "Data"]},
    }
    props = resources[evaluation]["Properties"]
    assert props["EvaluationGate"] == served["Properties"]["EvaluationGate"], "one gate, read by both"
    assert props["ServingResource"] == serving and props["ServingType"] == served["Type"]
    assert props["TimeoutSeconds"] == str(3 * 3600)
    model_field = "modelId" if throughput else "modelArn"
    assert props["CandidateModel"] == served["Properties"]["Request"][model_field]
    assert props["ServiceToken"] == served["Properties"]["ServiceToken"], "the stack's one runtime answers it"
    assert dependency_cycle(template) is None


def test_a_retrain_gets_a_new_evaluation_and_wait_while_the_serving_resource_stays(tmp_path: Path) -> None:
    for folder in "abc":
        (tmp_path / folder).mkdir()
    first = long_path(synth(tmp_path / "a"))
    second = long_path(synth(tmp_path / "b", learning_rate=2e-5))
    again = long_path(synth(tmp_path / "c"))

    assert first == again, "the same candidate keeps its evaluation: an unchanged app evaluates nothing again"
    assert first[3] == second[3], "the serving resource is updated in place"
    assert not set(first[:3]) & set(second[:3]), "a new candidate gets a new evaluation, handle and wait"


def test_a_new_timeout_gets_a_new_wait(tmp_path: Path) -> None:
    """A wait condition does not wait again when updated: a new timeout must come with new logical ids."""
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first, second = long_path(synth(tmp_path / "a")), long_path(synth(tmp_path / "b", hours=4))
    assert not set(first[:3]) & set(second[:3])


@pytest.mark.parametrize(
    "changed",
    [{"judge": "anthropic.claude-3-haiku-20240307-v1:0"}, {"metrics": [Builtin.CORRECTNESS, Builtin.HELPFULNESS]}],
)
def test_a_changed_gate_gets_a_new_evaluation_for_the_same_candidate(tmp_path: Path, changed: dict[str, Any]) -> None:
    """A wait condition never waits again once signalled: a gate changed while a swap is pending (its judge, metrics,
    data set) must not reuse the verdict of the gate before it."""

    def ids(**overrides: Any) -> tuple[str, str, str, str]:
        stack = Stack(App(), "Serving")
        long_gate = gate(tmp_path, timeout=Duration.hours(2), **overrides)
        CustomModelDeployment(stack, "Serve", model_arn=MODEL_ARN, gate=long_gate)
        return long_path(Template.from_stack(stack).to_json())

    assert ids() == ids()
    before, after = ids(), ids(**changed)
    assert before[:3] != after[:3] and before[3] == after[3], (before, after)


def test_without_a_timeout_the_gate_runs_inside_the_serving_resources_wait(tmp_path: Path) -> None:
    stack = Stack(App(), "Serving")
    waiting_job(stack).deploy_on_demand("Serve", gate=gate(tmp_path))
    template: dict[str, Any] = Template.from_stack(stack).to_json()
    assert of_type(template, EVALUATION_TYPE) == {}
    [served] = of_type(template, DEPLOYMENT_TYPE).values()
    assert "EvaluationWait" not in served["Properties"]
    assert len(of_type(template, WAIT_TYPE)) == 1, "only the job's own wait"


@pytest.mark.parametrize(
    ("timeout", "message"),
    [
        (Duration.hours(13), r"Invalid timeout 13 hours.*at most 12 hours.*WaitCondition"),
        (Duration.hours(12).plus(Duration.seconds(1)), r"Invalid timeout.*at most 12 hours"),
        (Duration.minutes(55), r"Invalid timeout 55 minutes.*more than 55 minutes.*omit timeout"),
        (Duration.minutes(5), r"Invalid timeout 5 minutes.*more than 55 minutes"),
        (3600, r"Invalid timeout 3600.*a Duration"),
    ],
)
def test_a_timeout_outside_the_long_paths_bounds_is_a_synth_error(tmp_path: Path, timeout: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        gate(tmp_path, timeout=timeout)


def test_the_bounds_themselves_synthesize(tmp_path: Path) -> None:
    assert gate(tmp_path, timeout=Duration.hours(12)) is not None
    assert gate(tmp_path, timeout=Duration.minutes(56)) is not None


def test_a_long_gate_on_a_literal_model_arn_digests_the_arn(tmp_path: Path) -> None:
    def ids(model: str) -> tuple[str, str, str, str]:
        stack = Stack(App(), "Serving")
        CustomModelDeployment(stack, "Serve", model_arn=model, gate=gate(tmp_path, timeout=Duration.hours(2)))
        return long_path(Template.from_stack(stack).to_json())

    assert ids(MODEL_ARN) == ids(MODEL_ARN)
    assert ids(MODEL_ARN)[0] != ids(MODEL_ARN.replace("abcdef123456", "abcdef654321"))[0]


@pytest.fixture(scope="module")
def assembly(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from cdk_nag import AwsSolutionsChecks

    outdir = tmp_path_factory.mktemp("cdk.out.long")
    app = App(outdir=str(outdir))
    stack = Stack(app, "Serving")
    s3.Bucket.from_bucket_name(stack, "Data", "my-training-data")
    waiting_job(stack).deploy_on_demand("Serve", gate=gate(tmp_path_factory.mktemp("p"), timeout=Duration.hours(6)))
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    app.synth()  # raises on any unacknowledged AwsSolutions finding
    return outdir


def test_cfn_lint_reports_nothing(assembly: Path) -> None:
    result = subprocess.run(
        [CFN_LINT, "--format", "json", "--ignore-checks", "W3005", "--", str(assembly / "Serving.template.json")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.stderr == "", result.stderr
    assert json.loads(result.stdout) == [], result.stdout[:4000]


def test_the_runtime_may_read_its_own_stack_and_find_its_evaluation_jobs_only(assembly: Path) -> None:
    from iam_eval import Request, allowed, resolve, tag_context

    template = json.loads((assembly / "Serving.template.json").read_text())
    statements: list[dict[str, Any]] = []
    for logical_id, resource in template["Resources"].items():
        if logical_id.startswith("BedrockModelCustomizationProviderHandlerRole"):
            props = resource.get("Properties", {})
            if resource["Type"] == "AWS::IAM::Policy":
                statements.extend(props["PolicyDocument"]["Statement"])
    runtime = [resolve(s, STACK_ID) for s in statements]
    other_stack = "arn:aws:cloudformation:us-east-1:111122223333:stack/Other/2"
    # the incumbent (the serving resource's physical id) and the handle's presigned URL, from its own stack only
    assert allowed(runtime, [Request("cloudformation:DescribeStackResource", STACK_ID)])
    assert not allowed(runtime, [Request("cloudformation:DescribeStackResource", other_stack)])
    # a Delete finds the judge by its deterministic name (ListEvaluationJobs has no resource type)
    assert allowed(runtime, [Request("bedrock:ListEvaluationJobs", "*")])
    job = "arn:aws:bedrock:us-east-1:111122223333:evaluation-job/abcdef123456"
    foreign = tag_context(resource_tags={OWNER: other_stack})
    assert not allowed(runtime, [Request("bedrock:StopEvaluationJob", job, foreign)])
