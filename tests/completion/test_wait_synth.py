"""Synth assertions for Completion.wait: resources, order, timeout bounds, logical ids, watcher scope, chaining."""

from __future__ import annotations

import json
from typing import Any, cast

import pytest
from aws_cdk import App, CfnResource, Duration, Stack, Tags
from aws_cdk import aws_events_targets as targets
from aws_cdk import aws_s3 as s3
from aws_cdk import aws_sns as sns
from aws_cdk.assertions import Match, Template
from unit.helpers import dependency_cycle, new_stack, simple_job

from constructs_lib import Completion, CustomizationType, ModelCustomizationJob, TrainingData, ValidationError
from constructs_lib.cdk.completion import RESULT_TYPE, STATE_CHANGE, JobStatus

JOB_TYPE = "Custom::BedrockModelCustomizationJob"
HANDLE_TYPE = "AWS::CloudFormation::WaitConditionHandle"
WAIT_TYPE = "AWS::CloudFormation::WaitCondition"

# The watcher reads a finished job and its owner tag (it signals only this stack's jobs), nothing else.
WATCHER_JOB_ACTIONS = ["bedrock:GetModelCustomizationJob", "bedrock:ListTagsForResource"]


def waiting(stack: Stack, construct_id: str = "Job", hours: float = 8, **overrides: Any) -> ModelCustomizationJob:
    return simple_job(stack, construct_id, completion=Completion.wait(Duration.hours(hours)), **overrides)


def resources(stack: Stack) -> dict[str, dict[str, Any]]:
    found: dict[str, dict[str, Any]] = Template.from_stack(stack).to_json()["Resources"]
    return found


def of_type(res: dict[str, dict[str, Any]], type_name: str) -> dict[str, dict[str, Any]]:
    return {k: v for k, v in res.items() if v["Type"] == type_name}


def only(res: dict[str, dict[str, Any]], type_name: str) -> tuple[str, dict[str, Any]]:
    found = of_type(res, type_name)
    assert len(found) == 1, found.keys()
    return next(iter(found.items()))


def depends_on(resource: dict[str, Any]) -> set[str]:
    value = resource.get("DependsOn", [])
    return set(value if isinstance(value, list) else [value])


WATCHER_FUNCTION = "BedrockModelCustomizationWatcher4046DE04"
"""The watcher function's logical id before issue 20: the ServiceToken of deployed Result resources, so the
runtime keeps a function there (tests/unit/test_upgrade_from_c6e54b9.py)."""
RUNTIME_HANDLER = "_runtime.entry.handler.handler"


def watcher_function(res: dict[str, dict[str, Any]]) -> dict[str, Any]:
    found = [r for k, r in res.items() if r["Type"] == "AWS::Lambda::Function" and k == WATCHER_FUNCTION]
    assert len(found) == 1
    return found[0]


def requested_name(stack: Stack, job: ModelCustomizationJob) -> str:
    """The job name in the job's request: a fixed name, or a generated name's synth-time base."""
    logical_id = stack.resolve(cast(CfnResource, job.resource.node.default_child).logical_id)
    name: str = resources(stack)[logical_id]["Properties"]["Request"]["jobName"]
    return name


def watched_jobs(res: dict[str, dict[str, Any]]) -> dict[str, list[str]]:
    """What the watcher reads from the handles' Metadata: name (or prefix and ``*``) -> [handle, wait, job]."""
    mapping: dict[str, list[str]] = {}
    for handle_id, handle in of_type(res, HANDLE_TYPE).items():
        entry = handle["Metadata"]["BedrockModelCustomization"]
        name_filter = entry["nameFilter"]
        key = name_filter if isinstance(name_filter, str) else name_filter["prefix"] + "*"
        mapping[key] = [handle_id, entry["wait"], entry["job"]]
    return mapping


def state_change_rules(res: dict[str, dict[str, Any]]) -> list[dict[str, Any]]:
    return [r for r in of_type(res, "AWS::Events::Rule").values() if "EventPattern" in r["Properties"]]


# ---- resources and order ------------------------------------------------------------------------


def test_wait_mode_adds_at_most_six_resources_per_job_and_one_watcher_per_stack() -> None:
    def count(builder: Any) -> int:
        stack = new_stack()
        builder(stack)
        return len(resources(stack))

    submitted_one = count(lambda s: simple_job(s, "A"))
    waiting_one = count(lambda s: waiting(s, "A"))
    waiting_two = count(lambda s: (waiting(s, "A"), waiting(s, "B")))
    submitted_two = count(lambda s: (simple_job(s, "A"), simple_job(s, "B")))

    per_job_waiting = waiting_two - waiting_one
    assert per_job_waiting == 5 <= 6  # service role, job, handle, wait condition, result
    assert per_job_waiting - (submitted_two - submitted_one) == 3  # wait-specific: handle, wait, result
    # per stack: the runtime's function at the watcher's path and its async settings, two rules, two permissions
    # (it shares the runtime's role, policies and log group)
    assert waiting_one - submitted_one - 3 == 6


def test_order_is_watcher_then_job_then_handle_and_wait_then_result_and_the_schedule_after_the_handles() -> None:
    """The state-change rules (with their invoke permissions) and the watcher exist before the job starts, so no event
    of it is missed; the handle, wait and result come after the job (a replaced job has its new ARN before its new
    handle exists, so the watcher never reads the old job for a new wait); the backup schedule after every handle,
    so a deploy that enables it again has created the new handles first. No cycle."""
    stack = new_stack()
    waiting(stack, hours=3)
    res = resources(stack)
    job_id, job = only(res, JOB_TYPE)
    handle_id, handle = only(res, HANDLE_TYPE)
    wait_id, wait = only(res, WAIT_TYPE)
    _, result = only(res, RESULT_TYPE)
    watcher_id = next(k for k, v in res.items() if v is watcher_function(res))
    rules = of_type(res, "AWS::Events::Rule")
    schedule_id = next(k for k, r in rules.items() if "ScheduleExpression" in r["Properties"])
    state_changes = {k for k, r in rules.items() if "EventPattern" in r["Properties"]}
    permissions = of_type(res, "AWS::Lambda::Permission")
    state_change_permissions = {
        k for k, p in permissions.items() if p["Properties"]["SourceArn"]["Fn::GetAtt"][0] in state_changes
    }

    assert {watcher_id} | state_changes | state_change_permissions <= depends_on(job)
    assert schedule_id not in depends_on(job) and handle_id not in depends_on(job)
    assert job_id in depends_on(handle)
    assert handle_id in depends_on(rules[schedule_id])
    assert wait["Properties"] == {"Count": 1, "Handle": {"Ref": handle_id}, "Timeout": str(3 * 3600)}
    assert job_id in depends_on(wait)
    assert wait_id in depends_on(result)
    assert result["Properties"]["JobIdentifier"] == {"Ref": job_id}
    assert result["Properties"]["ServiceToken"] == {"Fn::GetAtt": [watcher_id, "Arn"]}
    assert 0 < int(result["Properties"]["ServiceTimeout"]) <= 3600
    assert dependency_cycle(Template.from_stack(stack).to_json()) is None


def test_the_wait_resources_live_under_the_jobs_completion_construct_at_their_logical_ids() -> None:
    """Users find a job's handle, wait and result in the construct tree under ``<job>/Completion``, each named by its
    logical id, and with CDK's path metadata (``aws:cdk:path``) where the app asks for it."""
    app = App(context={"aws:cdk:enable-path-metadata": True})
    stack = Stack(app, "Paths")
    job = waiting(stack, "Job")
    res = resources(stack)
    completion = job.node.find_child("Completion")
    children = {child.node.id for child in completion.node.children if isinstance(child, CfnResource)}
    wait_ids = {k for k, v in res.items() if v["Type"] in (HANDLE_TYPE, WAIT_TYPE, RESULT_TYPE)}
    assert children == wait_ids and len(wait_ids) == 3
    for logical_id in wait_ids:
        assert res[logical_id]["Metadata"]["aws:cdk:path"] == f"Paths/Job/Completion/{logical_id}"


def test_the_handle_url_is_only_referenced_by_its_wait_condition() -> None:
    stack = new_stack()
    waiting(stack)
    tpl = Template.from_stack(stack).to_json()
    handle_id, _ = only(tpl["Resources"], HANDLE_TYPE)
    text = json.dumps(tpl)
    assert text.count(json.dumps({"Ref": handle_id})) == 1  # the wait condition's Handle property
    assert "Outputs" not in tpl
    env = watcher_function(tpl["Resources"])["Properties"]["Environment"]["Variables"]
    assert {"Ref": handle_id} not in env.values()


def test_no_watcher_when_no_job_waits_and_one_watcher_for_many_waiting_jobs() -> None:
    stack = new_stack()
    simple_job(stack, "A")
    res = resources(stack)
    assert not of_type(res, WAIT_TYPE) and not of_type(res, "AWS::Events::Rule")
    assert WATCHER_FUNCTION not in res

    stack = new_stack()
    for name in ("A", "B", "C"):
        waiting(stack, name)
    res = resources(stack)
    watcher_function(res)  # exactly one
    assert len(of_type(res, "AWS::Events::Rule")) == 2
    assert len(of_type(res, WAIT_TYPE)) == len(of_type(res, HANDLE_TYPE)) == len(of_type(res, RESULT_TYPE)) == 3


# ---- timeout bounds -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "timeout", [Duration.hours(13), Duration.seconds(43201), Duration.seconds(59), Duration.days(1)]
)
def test_timeout_outside_one_minute_to_twelve_hours_is_a_synth_error_naming_the_prop(timeout: Duration) -> None:
    with pytest.raises(
        ValidationError, match=r"Invalid completion timeout .*Completion\.wait\(timeout=\.\.\.\).*12 hours"
    ):
        Completion.wait(timeout)


@pytest.mark.parametrize(("timeout", "seconds"), [(Duration.minutes(1), 60), (Duration.hours(12), 43200)])
def test_timeout_bounds_are_inclusive(timeout: Duration, seconds: int) -> None:
    stack = new_stack()
    simple_job(stack, completion=Completion.wait(timeout))
    _, wait = only(resources(stack), WAIT_TYPE)
    assert wait["Properties"]["Timeout"] == str(seconds)


# ---- logical ids follow the request -------------------------------------------------------------


def wait_ids(**job_props: Any) -> dict[str, str]:
    stack = new_stack()
    hours = job_props.pop("hours", 8)
    job = waiting(stack, "Job", hours=hours, **job_props)
    res = resources(stack)
    return {
        "handle": only(res, HANDLE_TYPE)[0],
        "wait": only(res, WAIT_TYPE)[0],
        "result": only(res, RESULT_TYPE)[0],
        "job_name": requested_name(stack, job),
    }


def test_same_request_same_logical_ids() -> None:
    assert wait_ids(hyper_parameters={"epochCount": 2}) == wait_ids(hyper_parameters={"epochCount": 2})


def test_a_changed_request_gets_a_new_handle_wait_and_result() -> None:
    before = wait_ids(hyper_parameters={"epochCount": 2})
    after = wait_ids(hyper_parameters={"epochCount": 3})
    assert before["job_name"] != after["job_name"]
    for part in ("handle", "wait", "result"):
        assert before[part] != after[part], part


def test_a_changed_timeout_gets_a_new_wait_but_keeps_the_result_and_the_job() -> None:
    before = wait_ids(hours=8)
    after = wait_ids(hours=9)
    assert before["handle"] != after["handle"] and before["wait"] != after["wait"]
    assert before["result"] == after["result"] and before["job_name"] == after["job_name"]


def test_tags_do_not_replace_the_job_or_its_wait() -> None:
    plain = wait_ids()
    stack = new_stack()
    job = waiting(stack, "Job", job_tags={"team": "ml"}, custom_model_tags={"use": "support"})
    Tags.of(stack).add("cost-center", "42")
    res = resources(stack)
    assert only(res, HANDLE_TYPE)[0] == plain["handle"]
    assert only(res, RESULT_TYPE)[0] == plain["result"]
    assert requested_name(stack, job) == plain["job_name"]


def test_a_user_fixed_name_change_gets_a_new_wait() -> None:
    assert wait_ids(job_name="support-1")["wait"] != wait_ids(job_name="support-2")["wait"]


# ---- the watcher --------------------------------------------------------------------------------


def test_watcher_maps_each_waiting_job_to_its_handle_wait_and_job_and_matches_only_those_events() -> None:
    stack = new_stack()
    a = waiting(stack, "A")
    b = waiting(stack, "B", job_name="fixed-name")
    simple_job(stack, "NotWaiting")
    res = resources(stack)
    handles = of_type(res, HANDLE_TYPE)
    waits = of_type(res, WAIT_TYPE)
    jobs = of_type(res, JOB_TYPE)
    mapping = watched_jobs(res)
    base = requested_name(stack, a)
    # a generated name by its synth-time prefix (the handler appends a suffix), a fixed one exactly
    assert sorted(mapping) == [f"{base}-*", "fixed-name"]
    for handle_id, wait_id, job_id in mapping.values():
        assert handle_id in handles and wait_id in waits and job_id in jobs
        assert waits[wait_id]["Properties"]["Handle"] == {"Ref": handle_id}
        assert job_id in depends_on(waits[wait_id])
    assert jobs[mapping["fixed-name"][2]]["Properties"]["Request"]["jobName"] == "fixed-name"
    assert jobs[mapping[f"{base}-*"][2]]["Properties"]["Request"]["jobName"] == base
    assert stack.resolve(b.job_name) == "fixed-name"

    rules = of_type(res, "AWS::Events::Rule")
    pattern_rules = [r for r in rules.values() if "EventPattern" in r["Properties"]]
    assert len(pattern_rules) == 1
    assert pattern_rules[0]["Properties"]["EventPattern"] == {
        "source": ["aws.bedrock"],
        "detail-type": [STATE_CHANGE],
        "detail": {"jobName": [{"prefix": f"{base}-"}, "fixed-name"]},
    }


def test_many_waiting_jobs_are_one_or_list_of_prefixes() -> None:
    stack = new_stack()
    waiting_jobs = [waiting(stack, name) for name in ("A", "B", "C")]
    res = resources(stack)
    (rule,) = [r for r in of_type(res, "AWS::Events::Rule").values() if "EventPattern" in r["Properties"]]
    prefixes = sorted(f"{requested_name(stack, job)}-" for job in waiting_jobs)
    assert rule["Properties"]["EventPattern"]["detail"] == {"jobName": [{"prefix": p} for p in prefixes]}
    assert sorted(watched_jobs(res)) == [f"{p}*" for p in prefixes]


def test_backup_poll_every_fifteen_minutes_and_its_description_changes_with_the_waiting_set() -> None:
    def schedule(*ids: str) -> dict[str, Any]:
        stack = new_stack()
        for construct_id in ids:
            waiting(stack, construct_id)
        rules = of_type(resources(stack), "AWS::Events::Rule")
        found = [r["Properties"] for r in rules.values() if "ScheduleExpression" in r["Properties"]]
        assert len(found) == 1
        return found[0]

    one = schedule("A")
    assert one["ScheduleExpression"] == "rate(15 minutes)" and one["State"] == "ENABLED"
    assert one["Description"] == schedule("A")["Description"]
    assert one["Description"] != schedule("A", "B")["Description"]


def test_watcher_permissions_are_scoped_to_this_stacks_jobs_resources_and_schedule() -> None:
    """The watcher runs as the runtime's role: what only it needs is scoped to this stack and its own schedule."""
    stack = new_stack()
    waiting(stack)
    res = resources(stack)
    function = watcher_function(res)
    role_id = function["Properties"]["Role"]["Fn::GetAtt"][0]
    functions = [r for r in of_type(res, "AWS::Lambda::Function").values()]
    assert {f["Properties"]["Role"]["Fn::GetAtt"][0] for f in functions} == {role_id}  # one role for the runtime
    policies = [r for r in of_type(res, "AWS::IAM::Policy").values() if {"Ref": role_id} in r["Properties"]["Roles"]]
    statements = [s for p in policies for s in p["Properties"]["PolicyDocument"]["Statement"]]
    schedule_id = next(
        k for k, r in of_type(res, "AWS::Events::Rule").items() if "ScheduleExpression" in r["Properties"]
    )
    by_action = {json.dumps(s["Action"]): s for s in statements}
    stack_actions = json.dumps(
        ["cloudformation:DescribeStackResource", "cloudformation:GetTemplate", "cloudformation:ListStackResources"]
    )
    assert by_action[stack_actions]["Resource"] == {"Ref": "AWS::StackId"}
    assert [s["Resource"] for s in statements if s["Action"] == "events:DisableRule"] == [
        {"Fn::GetAtt": [schedule_id, "Arn"]}
    ]
    jobs = next(s for s in statements if set(WATCHER_JOB_ACTIONS) <= set(s["Action"]))
    arns = jobs["Resource"] if isinstance(jobs["Resource"], list) else [jobs["Resource"]]
    assert ":model-customization-job/*" in [arn["Fn::Join"][1][-1] for arn in arns]
    invoke = [s["Resource"] for s in statements if s["Action"] == "lambda:InvokeFunction"]
    assert {json.dumps(r) for r in invoke} == {
        json.dumps({"Fn::GetAtt": [k, "Arn"]}) for k in of_type(res, "AWS::Lambda::Function")
    }


def test_watcher_runs_the_shared_lambda_asset_on_python_3_13() -> None:
    stack = new_stack()
    waiting(stack)
    res = resources(stack)
    props = watcher_function(res)["Properties"]
    handler = res["BedrockModelCustomizationProviderframeworkonEvent5C021FD6"]
    assert props["Runtime"] == handler["Properties"]["Runtime"] == "python3.13"
    assert props["Handler"] == handler["Properties"]["Handler"] == RUNTIME_HANDLER
    assert props["Code"] == handler["Properties"]["Code"]
    assert props["Environment"]["Variables"]["STACK_ID"] == {"Ref": "AWS::StackId"}
    assert props["Environment"]["Variables"]["SCHEDULE_RULE"] in res


def test_each_handle_carries_its_jobs_mapping_and_the_environment_no_per_job_data() -> None:
    stack = new_stack()
    a = waiting(stack, "A")
    waiting(stack, "B", job_name="fixed-name")
    res = resources(stack)
    base = requested_name(stack, a)
    metadata = {k: v["Metadata"]["BedrockModelCustomization"] for k, v in of_type(res, HANDLE_TYPE).items()}
    assert sorted(json.dumps(m["nameFilter"]) for m in metadata.values()) == sorted(
        [json.dumps({"prefix": f"{base}-"}), json.dumps("fixed-name")]
    )
    assert all(set(m) == {"nameFilter", "wait", "job"} for m in metadata.values())
    variables = watcher_function(res)["Properties"]["Environment"]["Variables"]
    assert set(variables) == {"SCHEDULE_RULE", "STACK_ID"}
    assert base not in json.dumps(variables) and "fixed-name" not in json.dumps(variables)


def test_the_schedule_is_enabled_again_only_after_every_handle_exists() -> None:
    stack = new_stack()
    for name in ("A", "B"):
        waiting(stack, name)
    res = resources(stack)
    (schedule,) = [r for r in of_type(res, "AWS::Events::Rule").values() if "ScheduleExpression" in r["Properties"]]
    assert set(of_type(res, HANDLE_TYPE)) <= depends_on(schedule)
    assert dependency_cycle(Template.from_stack(stack).to_json()) is None


def test_sixty_waiting_jobs_synthesize_with_one_state_change_rule_per_twenty() -> None:
    stack = new_stack()
    jobs = [waiting(stack, f"Job{i}") for i in range(60)]
    tpl = Template.from_stack(stack).to_json()
    res = tpl["Resources"]
    assert len(of_type(res, HANDLE_TYPE)) == len(of_type(res, WAIT_TYPE)) == len(of_type(res, RESULT_TYPE)) == 60
    rules = state_change_rules(res)
    assert len(rules) == 3
    names = [f for r in rules for f in r["Properties"]["EventPattern"]["detail"]["jobName"]]
    assert sorted(n["prefix"] for n in names) == sorted(f"{requested_name(stack, j)}-" for j in jobs)
    assert all(len(json.dumps(r["Properties"]["EventPattern"])) <= 2048 for r in rules)
    assert len(watched_jobs(res)) == 60
    assert len(json.dumps(watcher_function(res)["Properties"]["Environment"])) < 200
    assert dependency_cycle(tpl) is None


def test_an_event_pattern_over_eventbridges_quota_is_a_synth_error_naming_the_jobs(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from constructs_lib.cdk import completion

    monkeypatch.setattr(completion, "JOBS_PER_RULE", 100)
    stack = new_stack()
    for i in range(60):
        waiting(stack, f"Job{i}")
    with pytest.raises(Exception, match=r"Invalid completion for 60 jobs .*2048-character event pattern"):
        Template.from_stack(stack)


# ---- attributes and chaining --------------------------------------------------------------------


def test_attributes_of_a_waiting_job_come_from_its_result() -> None:
    stack = new_stack()
    job = waiting(stack)
    result_id, _ = only(resources(stack), RESULT_TYPE)
    assert stack.resolve(job.custom_model_arn) == {"Fn::GetAtt": [result_id, "CustomModelArn"]}
    assert stack.resolve(job.training_loss) == {"Fn::GetAtt": [result_id, "TrainingLoss"]}
    assert stack.resolve(job.validation_loss) == {"Fn::GetAtt": [result_id, "ValidationLoss"]}


@pytest.mark.parametrize("attribute", ["custom_model_arn", "training_loss", "validation_loss"])
def test_attributes_of_a_job_that_does_not_wait_are_a_synth_error(attribute: str) -> None:
    job = simple_job(new_stack())
    with pytest.raises(ValidationError, match=rf"{attribute} is only known once the job has ended.*Completion\.wait"):
        getattr(job, attribute)


def chain(
    stack: Stack, parent_hours: float = 8, parent_epochs: int = 2
) -> tuple[ModelCustomizationJob, ModelCustomizationJob]:
    bucket = s3.Bucket(stack, "Data")
    parent = ModelCustomizationJob(
        stack,
        "PreTrain",
        base_model="amazon.titan-text-express-v1:0:8k",
        customization_type=CustomizationType.CONTINUED_PRE_TRAINING,
        training_data=TrainingData.from_bucket(bucket, "corpus/"),
        hyper_parameters={"epochCount": parent_epochs},
        completion=Completion.wait(Duration.hours(parent_hours)),
    )
    child = ModelCustomizationJob(
        stack,
        "FineTune",
        base_model=parent,
        training_data=TrainingData.from_bucket(bucket, "tasks/train.jsonl"),
        completion=Completion.wait(Duration.hours(4)),
    )
    return parent, child


def test_chained_job_trains_on_the_waiting_jobs_model_after_its_result() -> None:
    stack = new_stack()
    parent, child = chain(stack)
    tpl = Template.from_stack(stack).to_json()
    res = tpl["Resources"]
    child_job = next(
        r
        for r in res.values()
        if r["Type"] == JOB_TYPE and r["Properties"]["Request"]["jobName"] == requested_name(stack, child)
    )
    assert child_job["Properties"]["Request"]["baseModelIdentifier"] == stack.resolve(parent.custom_model_arn)
    assert dependency_cycle(tpl) is None
    expected = sorted([f"{requested_name(stack, parent)}-*", f"{requested_name(stack, child)}-*"])
    assert sorted(watched_jobs(res)) == expected


def test_a_replaced_parent_replaces_the_chained_job_but_a_new_parent_timeout_does_not() -> None:
    def child_name(**kwargs: Any) -> str:
        stack = new_stack()
        _, child = chain(stack, **kwargs)
        return requested_name(stack, child)

    assert child_name() == child_name()
    assert child_name(parent_epochs=3) != child_name()
    assert child_name(parent_hours=9) == child_name()


def test_chaining_on_a_job_that_does_not_wait_is_a_synth_error() -> None:
    stack = new_stack()
    parent = simple_job(stack, "Parent")
    with pytest.raises(ValidationError, match=r"Invalid base_model <ModelCustomizationJob .*Parent>.*Completion\.wait"):
        simple_job(stack, "Child", base_model=parent)


def test_a_waiting_job_needs_a_name_known_at_synth() -> None:
    from aws_cdk import CfnParameter

    stack = new_stack()
    name = CfnParameter(stack, "Name").value_as_string
    # reported where the job is constructed (the watcher's metadata is plain data now), the path first
    with pytest.raises(Exception, match=r"TestStack/Job: Invalid job_name .*needs a name known at synth"):
        waiting(stack, job_name=name)
        Template.from_stack(stack)


# ---- state-change rule --------------------------------------------------------------------------


def test_on_state_change_matches_this_jobs_name_and_statuses_and_targets() -> None:
    stack = new_stack()
    job = simple_job(stack)
    topic = sns.Topic(stack, "Alerts")
    rule = job.on_state_change("Failures", target=targets.SnsTopic(topic), statuses=[JobStatus.FAILED, "Stopped"])
    Template.from_stack(stack).has_resource_properties(
        "AWS::Events::Rule",
        {
            "EventPattern": {
                "source": ["aws.bedrock"],
                "detail-type": ["Model Customization Job State Change"],
                "detail": {
                    "jobName": [{"prefix": f"{requested_name(stack, job)}-"}],
                    "jobStatus": ["Failed", "Stopped"],
                },
            },
            "State": "ENABLED",
            "Targets": [Match.object_like({"Arn": {"Ref": stack.get_logical_id(topic.node.default_child)}})],  # type: ignore[arg-type]
        },
    )
    assert rule.node.scope is job


def test_on_state_change_without_statuses_matches_every_status() -> None:
    stack = new_stack()
    job = simple_job(stack)
    job.on_state_change("All")
    rules = of_type(resources(stack), "AWS::Events::Rule")
    (pattern,) = [r["Properties"]["EventPattern"] for r in rules.values()]
    assert pattern["detail"] == {"jobName": [{"prefix": f"{requested_name(stack, job)}-"}]}


def test_on_state_change_matches_a_fixed_name_exactly() -> None:
    stack = new_stack()
    job = simple_job(stack, job_name="support-bot-v1", custom_model_name="support-bot-v1-model")
    job.on_state_change("All")
    rules = of_type(resources(stack), "AWS::Events::Rule")
    (pattern,) = [r["Properties"]["EventPattern"] for r in rules.values()]
    assert pattern["detail"] == {"jobName": ["support-bot-v1"]}


def test_on_state_change_rejects_an_unknown_status() -> None:
    job = simple_job(new_stack())
    with pytest.raises(ValidationError, match=r"Invalid statuses 'Done'"):
        job.on_state_change("Bad", statuses=["Done"])
