"""Serving resources as synthesized: every prop in the request, names, tags, attributes and the swap wiring."""

from __future__ import annotations

from typing import Any

from aws_cdk import App, Stack, Tags
from aws_cdk.assertions import Template

from constructs_lib import (
    Commitment,
    CommittedRemoval,
    CustomModelDeployment,
    ModelCustomizationJob,
    ProvisionedThroughput,
    QualityGate,
)
from constructs_lib.rules import naming

from .helpers import (
    DEPLOYMENT_TYPE,
    JOB_ARN,
    MODEL_ARN,
    THROUGHPUT_TYPE,
    job_with_validation,
    only,
    resources,
    serving_stack,
    waiting_job,
)

RESULT_TYPE = "Custom::BedrockModelCustomizationResult"


def props_of(stack: Stack, resource_type: str) -> dict[str, Any]:
    return only(stack, resource_type)[1]["Properties"]


def result_id(stack: Stack) -> str:
    return only(stack, RESULT_TYPE)[0]


def test_deploy_on_demand_renders_the_create_request_from_the_jobs_trained_model() -> None:
    stack = serving_stack()
    job = waiting_job(stack)
    served = job.deploy_on_demand("Serve", description="Support bot, on demand")

    props = props_of(stack, DEPLOYMENT_TYPE)
    request = props["Request"]
    assert request["modelArn"] == {"Fn::GetAtt": [result_id(stack), "CustomModelArn"]}
    assert request["description"] == "Support bot, on demand"
    assert request["modelDeploymentName"].startswith("Serve-")
    assert "clientRequestToken" not in request and "tags" not in request
    assert props["NamesGenerated"] == "true"
    assert props["JobArn"] == stack.resolve(job.job_arn)
    assert "QualityGate" not in props and "CommittedRemoval" not in props
    assert served.node.path == "Serving/Job/Serve"


def test_generated_names_fit_the_handlers_suffix_budget_and_both_name_patterns() -> None:
    stack = serving_stack()
    job = waiting_job(stack)
    job.deploy_on_demand("A" * 80)
    job.provision_throughput("Serve-Throughput_1", model_units=1)
    deployment = props_of(stack, DEPLOYMENT_TYPE)["Request"]["modelDeploymentName"]
    throughput = props_of(stack, THROUGHPUT_TYPE)["Request"]["provisionedModelName"]
    for name in (deployment, throughput):
        assert len(name) <= naming.BASE_MAX
    assert throughput.startswith("Serve-Throughput-1-")


def test_fixed_names_are_sent_as_given_and_are_the_name_attributes() -> None:
    stack = serving_stack()
    job = waiting_job(stack)
    deployment = job.deploy_on_demand("Serve", deployment_name="support-bot")
    throughput = job.provision_throughput("Pt", model_units=2, provisioned_model_name="support_bot_pt")
    assert props_of(stack, DEPLOYMENT_TYPE)["NamesGenerated"] == "false"
    assert props_of(stack, DEPLOYMENT_TYPE)["Request"]["modelDeploymentName"] == "support-bot"
    assert props_of(stack, THROUGHPUT_TYPE)["Request"]["provisionedModelName"] == "support_bot_pt"
    assert deployment.deployment_name == "support-bot"
    assert throughput.provisioned_model_name == "support_bot_pt"


def test_attributes_are_the_physical_id_and_the_contracts_attributes() -> None:
    stack = serving_stack()
    job = waiting_job(stack)
    deployment = job.deploy_on_demand("Serve")
    throughput = job.provision_throughput("Pt", model_units=1)
    dep_id = only(stack, DEPLOYMENT_TYPE)[0]
    pt_id = only(stack, THROUGHPUT_TYPE)[0]
    assert stack.resolve(deployment.deployment_arn) == {"Ref": dep_id}
    assert stack.resolve(deployment.deployment_name) == {"Fn::GetAtt": [dep_id, "DeploymentName"]}
    assert stack.resolve(deployment.served_model_arn) == {"Fn::GetAtt": [dep_id, "ModelArn"]}
    assert stack.resolve(throughput.provisioned_model_arn) == {"Ref": pt_id}
    assert stack.resolve(throughput.provisioned_model_name) == {"Fn::GetAtt": [pt_id, "ProvisionedModelName"]}
    assert stack.resolve(throughput.served_model_arn) == {"Fn::GetAtt": [pt_id, "ModelArn"]}


def test_provision_throughput_renders_units_and_no_commitment_by_default() -> None:
    stack = serving_stack()
    job = waiting_job(stack)
    throughput = job.provision_throughput("Pt", model_units=3)
    props = props_of(stack, THROUGHPUT_TYPE)
    assert props["Request"]["modelUnits"] == 3
    assert props["Request"]["modelId"] == {"Fn::GetAtt": [result_id(stack), "CustomModelArn"]}
    assert "commitmentDuration" not in props["Request"] and "CommittedRemoval" not in props
    assert throughput.commitment is Commitment.NONE


def test_a_commitment_is_sent_with_its_removal_rule_fail_by_default() -> None:
    stack = serving_stack()
    job = waiting_job(stack)
    month = Commitment.one_month(acknowledge_non_cancellable_charge=True)
    job.provision_throughput("Month", model_units=1, commitment=month)
    job.provision_throughput(
        "Half",
        model_units=2,
        commitment=Commitment.six_months(acknowledge_non_cancellable_charge=True),
        committed_removal=CommittedRemoval.RETAIN,
    )
    found = resources(stack, THROUGHPUT_TYPE).values()
    by_units = {r["Properties"]["Request"]["modelUnits"]: r["Properties"] for r in found}
    assert by_units[1]["Request"]["commitmentDuration"] == "OneMonth" and by_units[1]["CommittedRemoval"] == "FAIL"
    assert by_units[2]["Request"]["commitmentDuration"] == "SixMonths" and by_units[2]["CommittedRemoval"] == "RETAIN"


def test_the_quality_gate_is_rendered_as_strings_with_the_job_it_reads() -> None:
    stack = serving_stack()
    job = job_with_validation(stack)
    job.deploy_on_demand("Serve", gate=QualityGate(max_validation_loss=1.2, max_training_loss=2))
    props = props_of(stack, DEPLOYMENT_TYPE)
    assert props["QualityGate"] == {"MaxTrainingLoss": "2.0", "MaxValidationLoss": "1.2"}
    assert props["JobArn"] == stack.resolve(job.job_arn)


def test_tags_from_the_prop_and_from_tags_of_reach_the_request_sorted() -> None:
    stack = serving_stack()
    job = waiting_job(stack)
    job.deploy_on_demand("Serve", tags={"use-case": "support"})
    job.provision_throughput("Pt", model_units=1, tags={"tier": "gold"})
    Tags.of(stack).add("team", "ml")
    assert props_of(stack, DEPLOYMENT_TYPE)["Request"]["tags"] == [
        {"key": "team", "value": "ml"},
        {"key": "use-case", "value": "support"},
    ]
    assert props_of(stack, THROUGHPUT_TYPE)["Request"]["tags"] == [
        {"key": "team", "value": "ml"},
        {"key": "tier", "value": "gold"},
    ]


def test_standalone_constructs_serve_any_model_arn() -> None:
    stack = serving_stack()
    imported = ModelCustomizationJob.from_job_attributes(stack, "Nightly", job_arn=JOB_ARN, custom_model_arn=MODEL_ARN)
    CustomModelDeployment(stack, "Direct", model_arn=MODEL_ARN)
    ProvisionedThroughput(stack, "DirectPt", model_arn=MODEL_ARN, model_units=1, job=imported)
    imported.deploy_on_demand("FromImport", gate=QualityGate(max_training_loss=1.0))
    deployments = [r["Properties"] for r in resources(stack, DEPLOYMENT_TYPE).values()]
    assert {d["Request"]["modelArn"] for d in deployments} == {MODEL_ARN}
    assert sorted(d.get("JobArn", "-") for d in deployments) == ["-", JOB_ARN]
    pt = props_of(stack, THROUGHPUT_TYPE)
    assert pt["Request"]["modelId"] == MODEL_ARN and pt["JobArn"] == JOB_ARN


def test_one_serving_provider_per_stack_and_only_in_stacks_that_serve() -> None:
    app = App()
    plain = Stack(app, "Plain")
    waiting_job(plain)
    serving = serving_stack("Serving")
    job = waiting_job(serving)
    job.deploy_on_demand("A")
    job.provision_throughput("B", model_units=1)
    CustomModelDeployment(serving, "C", model_arn=MODEL_ARN)

    def on_event_functions(stack: Stack) -> list[str]:
        functions = Template.from_stack(stack).find_resources("AWS::Lambda::Function")
        return [k for k in functions if k.startswith("BedrockModelServingProvider")]

    assert on_event_functions(plain) == []
    assert on_event_functions(serving) == ["BedrockModelServingProviderframeworkonEvent1DA4F4A2"]
    served = [r for t in (DEPLOYMENT_TYPE, THROUGHPUT_TYPE) for r in resources(serving, t).values()]
    tokens = {str(r["Properties"]["ServiceToken"]) for r in served}
    assert len(tokens) == 1


def test_the_runtime_waits_itself_within_cloudformations_hour_and_lambda_delivers_failures_back() -> None:
    """No Provider framework, no waiter state machine: the runtime polls (entry.handler, 30 s, at most 55 minutes)
    and each of its functions has Lambda's retries, a maximum event age under an hour, and itself as the
    on-failure destination, which it may invoke (a policy of its own, so the role's policy makes no cycle)."""
    stack = serving_stack()
    waiting_job(stack).deploy_on_demand("Serve")
    template = Template.from_stack(stack).to_json()["Resources"]
    assert not [r for r in template.values() if r["Type"] == "AWS::StepFunctions::StateMachine"]
    functions = {k: r["Properties"] for k, r in template.items() if r["Type"] == "AWS::Lambda::Function"}
    assert len(functions) == 3  # the job, Result and serving ServiceTokens of stacks deployed before issue 20
    for props in functions.values():
        assert props["Runtime"] == "python3.13" and props["Architectures"] == ["arm64"]
        assert props["Handler"] == "_runtime.entry.handler.handler" and props["Timeout"] == 900
    configs = [r for r in template.values() if r["Type"] == "AWS::Lambda::EventInvokeConfig"]
    assert sorted(c["Properties"]["FunctionName"]["Ref"] for c in configs) == sorted(functions)
    for config in configs:
        props = config["Properties"]
        assert props["MaximumRetryAttempts"] == 2 and 60 <= props["MaximumEventAgeInSeconds"] < 3600
        assert props["DestinationConfig"]["OnFailure"]["Destination"] == {
            "Fn::GetAtt": [props["FunctionName"]["Ref"], "Arn"]
        }
        (policy,) = config["DependsOn"]
        statements = template[policy]["Properties"]["PolicyDocument"]["Statement"]
        invoke = [s["Resource"] for s in statements if s["Action"] == "lambda:InvokeFunction"]
        assert props["DestinationConfig"]["OnFailure"]["Destination"] in invoke


def test_replacing_the_job_changes_model_arn_but_not_the_serving_resources_logical_id_or_name() -> None:
    """A retrain (new hyperparameters) replaces the job and its Result resource: the serving resource keeps its
    logical id and generated name, and only its ModelArn points at the new Result, so CloudFormation updates it
    in place and the handler swaps the model."""

    def synth(epochs: int) -> tuple[str, dict[str, Any], dict[str, Any]]:
        stack = serving_stack()
        job = waiting_job(stack, hyper_parameters={"epochCount": epochs})
        job.deploy_on_demand("Serve")
        job.provision_throughput("Pt", model_units=1)
        dep_id, deployment = only(stack, DEPLOYMENT_TYPE)
        pt_id, throughput = only(stack, THROUGHPUT_TYPE)
        return dep_id + "/" + pt_id, deployment["Properties"]["Request"], throughput["Properties"]["Request"]

    ids_1, dep_1, pt_1 = synth(1)
    ids_2, dep_2, pt_2 = synth(2)
    assert ids_1 == ids_2
    assert dep_1["modelArn"] != dep_2["modelArn"] and pt_1["modelId"] != pt_2["modelId"]
    assert dep_1["modelDeploymentName"] == dep_2["modelDeploymentName"]
    assert pt_1["provisionedModelName"] == pt_2["provisionedModelName"]
    assert {k: v for k, v in dep_1.items() if k != "modelArn"} == {k: v for k, v in dep_2.items() if k != "modelArn"}


def test_what_cannot_change_in_place_changes_the_generated_name() -> None:
    def names(units: int, description: str) -> tuple[str, str]:
        stack = serving_stack()
        job = waiting_job(stack)
        job.deploy_on_demand("Serve", description=description)
        job.provision_throughput("Pt", model_units=units)
        return (
            props_of(stack, DEPLOYMENT_TYPE)["Request"]["modelDeploymentName"],
            props_of(stack, THROUGHPUT_TYPE)["Request"]["provisionedModelName"],
        )

    base = names(1, "one")
    assert names(1, "one") == base
    assert names(1, "two")[0] != base[0] and names(1, "two")[1] == base[1]
    assert names(2, "one")[1] != base[1] and names(2, "one")[0] == base[0]


def test_serving_is_written_once_on_the_job_base_for_jobs_of_this_app_and_imported_ones() -> None:
    from constructs_lib import ImportedModelCustomizationJob, ModelCustomizationJobBase

    for method in ("deploy_on_demand", "provision_throughput", "grant_invoke_model"):
        assert method in vars(ModelCustomizationJobBase), method
        assert method not in vars(ModelCustomizationJob) and method not in vars(ImportedModelCustomizationJob)
