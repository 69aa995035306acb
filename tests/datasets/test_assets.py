"""Local datasets as CDK assets: the request and the role point at exactly the uploaded object, the file is
checked at synth, and the asset hash drives the generated job name."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_s3_assets as s3_assets
from aws_cdk.assertions import Annotations, Match
from unit.helpers import NOVA, actions_of, only_request, statements

from constructs_lib import (
    CustomizationType,
    DistillationConfig,
    ModelCustomizationJob,
    TrainingData,
    ValidationData,
    ValidationError,
)

ROOT = Path(__file__).resolve().parents[2]
ASSET_BUCKET = {"Fn::Sub": "cdk-hnb659fds-assets-${AWS::AccountId}-${AWS::Region}"}
TURN = {
    "schemaVersion": "bedrock-conversation-2024",
    "messages": [
        {"role": "user", "content": [{"text": "The light blinks amber."}]},
        {"role": "assistant", "content": [{"text": "Restart the modem, then the router."}]},
    ],
}


def dataset(path: Path, records: list[dict[str, Any]] | None = None) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in (records or [TURN, TURN])))
    return path


def asset_job(path: Path, stack_name: str = "Assets", **props: Any) -> tuple[Stack, ModelCustomizationJob]:
    stack = Stack(App(), stack_name)
    job = ModelCustomizationJob(
        stack, "SupportBot", base_model=NOVA, training_data=TrainingData.from_asset(str(path)), **props
    )
    return stack, job


def object_key(job: ModelCustomizationJob, construct_id: str = "TrainingDataAsset") -> str:
    asset = job.node.find_child(construct_id)
    assert isinstance(asset, s3_assets.Asset)
    key = asset.s3_object_key
    assert key == f"{asset.asset_hash}.jsonl"
    return key


def test_the_request_points_at_the_asset_object(tmp_path: Path) -> None:
    stack, job = asset_job(dataset(tmp_path / "train.jsonl"))
    key = object_key(job)
    assert only_request(stack)["trainingDataConfig"] == {
        "s3Uri": {"Fn::Join": ["", ["s3://", ASSET_BUCKET, f"/{key}"]]}
    }


def test_the_role_reads_exactly_the_asset_object_and_lists_only_its_key(tmp_path: Path) -> None:
    stack, job = asset_job(dataset(tmp_path / "train.jsonl"))
    key = object_key(job)
    bucket_arn = ["arn:", {"Ref": "AWS::Partition"}, ":s3:::", ASSET_BUCKET]
    found = statements(stack, "SupportBotServiceRole")
    reads = [s for s in found if actions_of(s) == ["s3:GetObject"]]
    assert reads == [
        {"Action": "s3:GetObject", "Effect": "Allow", "Resource": {"Fn::Join": ["", [*bucket_arn, f"/{key}"]]}}
    ]
    lists = [s for s in found if actions_of(s) == ["s3:ListBucket"] and s["Resource"] == {"Fn::Join": ["", bucket_arn]}]
    assert [s["Condition"] for s in lists] == [{"StringLike": {"s3:prefix": [f"{key}*"]}}]
    # The bootstrap bucket's key (aws/s3 or the bootstrap CMK) admits account principals through S3 in its
    # key policy; no key is known at synth, so no KMS statement names the asset bucket.
    assert not any("kms:Decrypt" in actions_of(s) and "Fn::GetAtt" not in json.dumps(s["Resource"]) for s in found)


def test_validation_assets_get_one_construct_per_index_and_their_own_grants(tmp_path: Path) -> None:
    train = dataset(tmp_path / "train.jsonl")
    first = dataset(tmp_path / "val-a.jsonl", [TURN])
    second = dataset(tmp_path / "val-b.jsonl", [TURN, TURN, TURN])
    stack, job = asset_job(
        train, validation_data=[ValidationData.from_asset(str(first)), ValidationData.from_asset(str(second))]
    )
    keys = [object_key(job, "ValidationDataAsset0"), object_key(job, "ValidationDataAsset1")]
    assert len(set(keys)) == 2
    validators = only_request(stack)["validationDataConfig"]["validators"]
    assert [v["s3Uri"]["Fn::Join"][1][-1] for v in validators] == [f"/{k}" for k in keys]
    resources = json.dumps([s["Resource"] for s in statements(stack, "SupportBotServiceRole")])
    assert all(f"/{k}" in resources for k in keys)


def test_a_changed_file_gets_a_new_job_name_and_an_unchanged_file_the_same(tmp_path: Path) -> None:
    path = dataset(tmp_path / "train.jsonl")
    first = only_request(asset_job(path)[0])["jobName"]
    again = only_request(asset_job(path)[0])["jobName"]
    dataset(path, [TURN, TURN, TURN])
    changed_stack, changed_job = asset_job(path)
    changed = only_request(changed_stack)
    assert first == again
    assert changed["jobName"] != first and changed["customModelName"] != first
    assert changed["trainingDataConfig"]["s3Uri"]["Fn::Join"][1][-1] == f"/{object_key(changed_job)}"


def test_malformed_data_fails_synth_naming_file_line_and_field(tmp_path: Path) -> None:
    broken = {**TURN, "messages": [TURN["messages"][0]]}
    path = dataset(tmp_path / "train.jsonl", [TURN, TURN, broken])
    with pytest.raises(ValidationError, match=r"train\.jsonl:3: messages\[0\]\.role: must be 'assistant'"):
        asset_job(path)


def test_a_bad_validation_file_fails_synth_as_validation_data(tmp_path: Path) -> None:
    train = dataset(tmp_path / "train.jsonl")
    broken = {**TURN, "messages": [TURN["messages"][0]]}
    val = dataset(tmp_path / "val.jsonl", [TURN, broken])
    with pytest.raises(ValidationError) as raised:
        asset_job(train, validation_data=[ValidationData.from_asset(str(val))])
    message = str(raised.value)
    assert message.startswith(f"Assets/SupportBot: Invalid validation_data[0] {str(val)!r}: 1 error")
    assert "val.jsonl:2: messages[0].role: must be 'assistant'" in message
    assert "training" not in message


def test_advisories_become_synth_warnings(tmp_path: Path) -> None:
    path = dataset(tmp_path / "train.jsonl", [{"prompt": "Hi", "completion": "Hello"}] * 3)
    stack = Stack(App(), "Llama")
    ModelCustomizationJob(
        stack,
        "SupportBot",
        base_model="meta.llama3-1-8b-instruct-v1:0:128k",
        training_data=TrainingData.from_asset(str(path)),
    )
    Annotations.from_stack(stack).has_warning(
        "/Llama/SupportBot",
        Match.string_like_regexp(r"train\.jsonl: 3 records: Meta Llama 3\.x takes at least 100 training records\."),
    )


def test_the_customization_type_picks_the_checked_format(tmp_path: Path) -> None:
    path = dataset(tmp_path / "corpus.jsonl", [{"input": "Router manual, chapter 1."}])
    stack, _ = asset_job(path, customization_type=CustomizationType.CONTINUED_PRE_TRAINING, stack_name="Cpt")
    assert only_request(stack)["customizationType"] == "CONTINUED_PRE_TRAINING"
    with pytest.raises(ValidationError, match=r"corpus\.jsonl:1: record is in the continued pre-training format"):
        asset_job(path)


def test_the_same_dataset_object_serves_two_jobs(tmp_path: Path) -> None:
    data = TrainingData.from_asset(str(dataset(tmp_path / "train.jsonl")))
    stack = Stack(App(), "Two")
    one = ModelCustomizationJob(stack, "One", base_model=NOVA, training_data=data)
    two = ModelCustomizationJob(stack, "Two", base_model=NOVA, training_data=data)
    assert object_key(one) == object_key(two)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p.mkdir(), r"a folder becomes a zip file"),
        (lambda p: None, r"no such file"),
        (lambda p: p.write_text("{}\n"), r"Bedrock reads (training|validation) data from \.jsonl files"),
    ],
)
def test_from_asset_needs_an_existing_jsonl_file(tmp_path: Path, make: Any, message: str) -> None:
    path = tmp_path / ("data" if "folder" in message else "data.json" if "jsonl" in message else "nope.jsonl")
    make(path)
    with pytest.raises(ValidationError, match=rf"^TrainingData\.from_asset: Invalid training_data .*{message}"):
        TrainingData.from_asset(str(path))
    with pytest.raises(ValidationError, match=rf"^ValidationData\.from_asset: Invalid validation_data .*{message}"):
        ValidationData.from_asset(path)


def test_an_unbound_asset_says_a_job_gives_it_its_location(tmp_path: Path) -> None:
    path = dataset(tmp_path / "train.jsonl")
    with pytest.raises(ValidationError, match=r"gets its S3 location when a ModelCustomizationJob uses it"):
        TrainingData.from_asset(str(path)).to_request()
    with pytest.raises(ValidationError, match=r"gets its S3 location when a ModelCustomizationJob uses it"):
        _ = ValidationData.from_asset(str(path)).location


def test_the_shipped_samples_synthesize_as_assets() -> None:
    data = ROOT / "examples" / "data"
    stack = Stack(App(), "Samples")
    ModelCustomizationJob(
        stack,
        "Nova",
        base_model=NOVA,
        training_data=TrainingData.from_asset(str(data / "converse" / "train.jsonl")),
        validation_data=[ValidationData.from_asset(str(data / "converse" / "validation.jsonl"))],
    )
    ModelCustomizationJob(
        stack,
        "Haiku",
        base_model="anthropic.claude-3-haiku-20240307-v1:0:200k",
        training_data=TrainingData.from_asset(str(data / "claude-haiku" / "train.jsonl")),
        validation_data=[ValidationData.from_asset(str(data / "claude-haiku" / "validation.jsonl"))],
    )
    ModelCustomizationJob(
        stack,
        "Titan",
        base_model="amazon.titan-text-express-v1:0:8k",
        training_data=TrainingData.from_asset(str(data / "prompt-completion" / "train.jsonl")),
        validation_data=[ValidationData.from_asset(str(data / "prompt-completion" / "validation.jsonl"))],
    )
    ModelCustomizationJob(
        stack,
        "TitanCpt",
        base_model="amazon.titan-text-express-v1:0:8k",
        customization_type=CustomizationType.CONTINUED_PRE_TRAINING,
        training_data=TrainingData.from_asset(str(data / "continued-pretraining" / "train.jsonl")),
        validation_data=[ValidationData.from_asset(str(data / "continued-pretraining" / "validation.jsonl"))],
    )
    Annotations.from_stack(stack).has_no_warning("*", Match.string_like_regexp(r".*\.jsonl.*"))


def test_a_distillation_teacher_decides_whether_prompts_may_hold_turns(tmp_path: Path) -> None:
    # distill-prompts: Anthropic and Meta Llama models take single-turn prompts, Amazon Nova models multi-turn.
    follow_up = {**TURN, "messages": [*TURN["messages"], {"role": "user", "content": [{"text": "And now?"}]}]}
    path = dataset(tmp_path / "prompts.jsonl", [TURN, follow_up])

    def job(teacher: str) -> Stack:
        stack, _ = asset_job(
            path,
            stack_name="Distill",
            customization_type=CustomizationType.DISTILLATION,
            distillation=DistillationConfig(teacher_model=teacher),
        )
        return stack

    job("amazon.nova-pro-v1:0")
    with pytest.raises(ValidationError, match=r"prompts\.jsonl:2: messages: holds 2 user prompts; .*single-turn"):
        job("anthropic.claude-3-5-sonnet-20240620-v1:0")
