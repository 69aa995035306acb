"""QualityGate.evaluation(...) at synth (issue 21, part B): the prompt data set against the documented format and
limits (rules/evaluation.py, with sources), the judge and metric names against botocore's service model, the
baseline and margin, the rendered property read back by the handler's parser, and a serving construct that deploys
the gate: its evaluation role and the runtime's statements evaluated with tests/iam_eval.py, cdk-nag clean."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import aws_s3 as s3
from support import botocore_model

from constructs_lib import (
    Baseline,
    Builtin,
    CustomMetric,
    CustomModelDeployment,
    EvaluationDataset,
    QualityGate,
)
from constructs_lib.rules import evaluation as rules
from constructs_lib.rules.catalogue.sources import SOURCES
from lambda_src.model_evaluation.gate import parse_evaluation

from .helpers import MODEL_ARN, serving_stack

JUDGE = "anthropic.claude-3-5-sonnet-20240620-v1:0"


def shape(name: str) -> Any:
    return botocore_model().shape_for(name)


def prompts(tmp_path: Path, records: list[Any], name: str = "prompts.jsonl") -> str:
    path = tmp_path / name
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in records) + "\n", encoding="utf-8")
    return str(path)


GOOD = [{"prompt": f"How do I reset password {i}?", "referenceResponse": "Settings > Security."} for i in range(3)]


def evaluation(tmp_path: Path, records: list[Any] | None = None, **overrides: Any) -> Any:
    props: dict[str, Any] = {
        "dataset": EvaluationDataset.from_asset(prompts(tmp_path, GOOD if records is None else records)),
        "judge": JUDGE,
        "metrics": [Builtin.CORRECTNESS, Builtin.HELPFULNESS],
        **overrides,
    }
    return QualityGate.evaluation(**props)


# ---- what the rules rest on --------------------------------------------------------------------------


def test_the_judge_pattern_and_metric_limits_are_botocores() -> None:
    judge = shape("EvaluatorModelIdentifier")
    assert judge.metadata["pattern"] == rules.EVALUATOR_MODEL_PATTERN
    assert shape("EvaluationMetricNames").metadata["max"] == rules.MAX_METRICS
    assert shape("AutomatedEvaluationCustomMetrics").metadata["max"] == rules.MAX_CUSTOM_METRICS
    assert shape("MetricName").metadata["pattern"] == rules.METRIC_NAME_PATTERN


def test_every_builtin_is_a_judge_metric_botocore_documents() -> None:
    doc = shape("EvaluationDatasetMetricConfig").members["metricNames"].documentation
    judged = doc[doc.index("LLM as judge") :]
    assert set(re.findall(r"Builtin\.[A-Za-z]+", judged)) == set(rules.BUILTIN_JUDGE_METRICS)
    constants = {v for k, v in vars(Builtin).items() if k.isupper()}
    assert constants == set(rules.BUILTIN_JUDGE_METRICS)


def test_every_rule_cites_a_known_source() -> None:
    findings = rules.check_prompt_dataset("p.json", ["not json", "[1]", json.dumps({"x": 1})], [Builtin.CORRECTNESS])
    assert findings and all(f.source in SOURCES for f in findings)


# ---- the data set --------------------------------------------------------------------------------------


def test_a_valid_gate_synthesizes_its_checks_and_renders_a_property_the_handler_reads(tmp_path: Path) -> None:
    style = CustomMetric(
        name="FollowsHouseStyle",
        instructions="Rate whether {{prediction}} follows the style guide for {{prompt}}.",
        rating_scale={"follows it": 1, "does not": 0},
    )
    gate = evaluation(tmp_path, custom_metrics=[style], baseline=Baseline.SERVING_MODEL, margin=0.02)
    stack = serving_stack()

    rendered = stack.resolve(gate.to_property(stack, output_uri="s3://reports/eval/", role_arn="arn:aws:iam::1:role/r"))
    rendered["DatasetS3Uri"] = "s3://assets/prompts.jsonl"  # the asset's URL is a deploy-time value
    parsed = parse_evaluation(json.loads(json.dumps(rendered)))

    assert parsed is not None
    assert parsed.metric_names == (Builtin.CORRECTNESS, Builtin.HELPFULNESS, "FollowsHouseStyle")
    assert parsed.margin == 0.02 and parsed.baseline == "SERVING" and parsed.judge == JUDGE
    assert parsed.custom_metrics[0]["ratingScale"][0]["value"] == {"floatValue": 1.0}


@pytest.mark.parametrize(
    ("records", "phrase"),
    [
        (["{not json"], "line 1: is not valid JSON"),
        ([json.dumps([1, 2])], "line 1: must be a JSON object"),
        ([{"referenceResponse": "r"}], "line 1: needs a non-empty string 'prompt'"),
        ([{"prompt": "q", "modelResponses": [{"response": "a", "modelIdentifier": "m"}]}], "carries 'modelResponses'"),
        ([{"prompt": "q", "category": 3}], "'category' must be a string"),
        ([{"prompt": f"q{i}"} for i in range(1001)], "holds 1,001 prompts; an evaluation job takes at most 1,000"),
        ([], "holds no prompt"),
    ],
)
def test_a_prompt_data_set_outside_the_documented_format_is_a_synth_error_with_its_source(
    tmp_path: Path, records: list[Any], phrase: str
) -> None:
    with pytest.raises(ValueError) as refused:
        evaluation(tmp_path, records, metrics=[Builtin.HELPFULNESS])

    message = str(refused.value)
    assert phrase in message and SOURCES["eval-judge"].url in message


def test_a_data_set_that_is_not_jsonl_is_refused(tmp_path: Path) -> None:
    path = prompts(tmp_path, GOOD, name="prompts.json")
    with pytest.raises(ValueError, match=r"must be a \.jsonl file"):
        QualityGate.evaluation(dataset=EvaluationDataset.from_asset(path), judge=JUDGE, metrics=[Builtin.HELPFULNESS])
    with pytest.raises(ValueError, match=r"must be a \.jsonl file"):
        EvaluationDataset.from_bucket(s3.Bucket(serving_stack(), "B"), "eval/prompts.csv")


def test_correctness_without_reference_responses_is_a_warning(tmp_path: Path) -> None:
    gate = evaluation(tmp_path, [{"prompt": "q1"}, {"prompt": "q2", "referenceResponse": "r"}])
    assert len(gate.warnings) == 1 and "without 'referenceResponse' (lines 1)" in gate.warnings[0]


# ---- metrics, judge, baseline, margin -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "phrase"),
    [
        ({"metrics": []}, "choose at least one"),
        ({"metrics": ["Builtin.Accuracy"]}, "not a built-in model-as-judge metric"),
        ({"metrics": [Builtin.CORRECTNESS, Builtin.CORRECTNESS]}, "repeated: Builtin.Correctness"),
        ({"judge": "not a model id!"}, "judge"),
        ({"margin": -0.1}, "Invalid margin -0.1"),
        ({"margin": float("nan")}, "Invalid margin nan"),
        ({"baseline": Baseline.absolute({Builtin.CORRECTNESS: 0.8})}, "one score per chosen metric"),
        ({"baseline": "SERVING"}, "baseline"),
    ],
)
def test_bad_gate_props_are_synth_errors_naming_the_prop(
    tmp_path: Path, overrides: dict[str, Any], phrase: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(phrase)):
        evaluation(tmp_path, **overrides)


def test_custom_metric_names_follow_botocores_pattern(tmp_path: Path) -> None:
    bad = CustomMetric(name="has space", instructions="Rate it.", rating_scale={"good": 1})
    with pytest.raises(ValueError, match=r"must match \[0-9a-zA-Z-_\.\]\+"):
        evaluation(tmp_path, custom_metrics=[bad])
    with pytest.raises(ValueError, match="1-10 ratings"):
        CustomMetric(name="x", instructions="Rate it.", rating_scale={})


# ---- deployed: the property, the evaluation role and the runtime's statements ---------------------------

STACK_ID = "arn:aws:cloudformation:us-east-1:111122223333:stack/Serving/11111111-2222-3333-4444-555555555555"
OWNER = "bedrock-customization:stack-id"


def _gated(tmp_path: Path) -> tuple[Any, dict[str, Any]]:
    from aws_cdk import App, CfnOutput, Stack, Validations
    from cdk_nag import AwsSolutionsChecks

    app = App()
    stack = Stack(app, "Serving")
    served = CustomModelDeployment(stack, "Serve", model_arn=MODEL_ARN, gate=evaluation(tmp_path))
    CfnOutput(stack, "Scores", value=served.evaluation_candidate_scores)
    CfnOutput(stack, "Report", value=served.evaluation_report)
    Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    app.synth()  # raises on any unacknowledged AwsSolutions finding
    from aws_cdk.assertions import Template

    return stack, Template.from_stack(stack).to_json()


def _statements(template: dict[str, Any], prefix: str) -> list[dict[str, Any]]:
    from iam_eval import resolve

    found: list[dict[str, Any]] = []
    for logical_id, resource in template["Resources"].items():
        if not logical_id.startswith(prefix):
            continue
        props = resource.get("Properties", {})
        if resource["Type"] == "AWS::IAM::Role":
            for policy in props.get("Policies", []):
                found.extend(policy["PolicyDocument"]["Statement"])
        elif resource["Type"] == "AWS::IAM::Policy":
            found.extend(props["PolicyDocument"]["Statement"])
    return [resolve(x, STACK_ID) for x in found]


def test_a_serving_construct_deploys_an_evaluation_gate_with_its_role_and_the_runtimes_statements(
    tmp_path: Path,
) -> None:
    from iam_eval import Request, allowed, resolve, tag_context

    _, template = _gated(tmp_path)
    [serving] = [r for r in template["Resources"].values() if r["Type"] == "Custom::BedrockCustomModelDeployment"]
    prop = resolve(serving["Properties"]["EvaluationGate"], STACK_ID)
    prop["DatasetS3Uri"] = "s3://assets/prompts.jsonl"  # the asset's URL is a deploy-time value
    prop["RoleArn"] = "arn:aws:iam::111122223333:role/EvaluationRole"
    parsed = parse_evaluation(json.loads(json.dumps(prop)))
    assert parsed is not None and parsed.output_uri.startswith("s3://ref:")
    assert "QualityGate" not in serving["Properties"]
    assert template["Outputs"]["Scores"]["Value"]["Fn::GetAtt"][1] == "EvaluationCandidateScores"
    assert template["Outputs"]["Report"]["Value"]["Fn::GetAtt"][1] == "EvaluationReport"

    [role_id] = [
        k
        for k, r in template["Resources"].items()
        if k.startswith("ServeEvaluationRole") and r["Type"] == "AWS::IAM::Role"
    ]
    trust = template["Resources"][role_id]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    [assume] = [resolve(t, STACK_ID) for t in trust]
    assert assume["Principal"] == {"Service": "bedrock.amazonaws.com"}
    assert assume["Condition"]["StringEquals"] == {"aws:SourceAccount": "111122223333"}
    assert assume["Condition"]["ArnLike"]["aws:SourceArn"].endswith(":evaluation-job/*")

    evaluator = _statements(template, "ServeEvaluationRole")
    judge = f"arn:aws:bedrock:us-east-1::foundation-model/{JUDGE}"
    assert allowed(evaluator, [Request("bedrock:InvokeModel", judge)])
    assert not allowed(evaluator, [Request("bedrock:InvokeModel", "arn:aws:bedrock:us-east-1::foundation-model/x")])

    runtime = _statements(template, "BedrockModelCustomizationProviderHandlerRole")
    job = "arn:aws:bedrock:us-east-1:111122223333:evaluation-job/abcdef123456"
    # evaluation jobs are this stack's like everything else it creates (Service Authorization Reference for
    # Bedrock: CreateEvaluationJob takes aws:RequestTag and aws:TagKeys, evaluation-job takes aws:ResourceTag)
    own_job = tag_context(resource_tags={OWNER: STACK_ID})
    other_job = tag_context(resource_tags={OWNER: "arn:aws:cloudformation:us-east-1:111122223333:stack/Other/1"})
    tagged_create = tag_context(request_tags={OWNER: STACK_ID}, tag_keys=[OWNER])
    judge_arn = f"arn:aws:bedrock:us-east-1::foundation-model/{JUDGE}"
    for resource in (job, judge_arn):
        assert allowed(runtime, [Request("bedrock:CreateEvaluationJob", resource, tagged_create)]), resource
        assert not allowed(runtime, [Request("bedrock:CreateEvaluationJob", resource, tag_context())]), resource
    assert allowed(runtime, [Request("bedrock:GetEvaluationJob", job)])
    assert allowed(runtime, [Request("bedrock:StopEvaluationJob", job, own_job)])
    assert not allowed(runtime, [Request("bedrock:StopEvaluationJob", job, other_job)])
    assert not allowed(runtime, [Request("bedrock:StopEvaluationJob", job, tag_context())])
    role_arn = f"getatt:{role_id}.Arn"
    assert allowed(runtime, [Request("iam:PassRole", role_arn, {"iam:PassedToService": "bedrock.amazonaws.com"})])
    assert not allowed(runtime, [Request("iam:PassRole", role_arn, {"iam:PassedToService": "lambda.amazonaws.com"})])
    deployment = "arn:aws:bedrock:us-east-1:111122223333:custom-model-deployment/abcdef123456"
    own = tag_context(resource_tags={OWNER: STACK_ID})
    foreign = tag_context(resource_tags={OWNER: "arn:aws:cloudformation:us-east-1:111122223333:stack/Other/1"})
    assert allowed(runtime, [Request("bedrock:InvokeModel", deployment, own)])
    assert not allowed(runtime, [Request("bedrock:InvokeModel", deployment, foreign)])
    # the temporary deployment: created with the owner tag, deleted only where it carries it (serving's statements)
    create = tag_context(request_tags={OWNER: STACK_ID}, tag_keys=[OWNER])
    model = MODEL_ARN.replace("123456789012", "111122223333")
    assert allowed(runtime, [Request("bedrock:CreateCustomModelDeployment", deployment, create)])
    assert allowed(runtime, [Request("bedrock:DeleteCustomModelDeployment", deployment, own)])
    assert not allowed(runtime, [Request("bedrock:DeleteCustomModelDeployment", deployment, foreign)])
    assert model


def test_evaluation_attributes_need_an_evaluation_gate() -> None:
    served = CustomModelDeployment(serving_stack(), "Serve", model_arn=MODEL_ARN)
    with pytest.raises(ValueError, match=r"only a construct with gate=QualityGate\.evaluation"):
        _ = served.evaluation_job_arn
