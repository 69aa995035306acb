"""A small fake Bedrock control plane on 127.0.0.1 for the serving handler (moto has none of these APIs).

It speaks the REST-JSON paths botocore's bedrock model uses for the operations the handler calls: custom model
deployments, provisioned model throughput, ListTagsForResource / TagResource / UntagResource and
GetModelCustomizationJob, GetCustomModel (models registered with ``add_job(..., model_arn=)``). State
changes happen on reads, as a poll would see them: a new resource is
``Creating`` for ``creating_polls`` reads, a swap ``Updating`` for ``updating_polls``. Faults are scripted
per test: throttled requests, a failed creation or swap, a create whose response is dropped after the server
acted, name conflicts for repeated tokens (``honor_tokens=False``).
"""

from __future__ import annotations

import json
import secrets
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

ACCOUNT = "123456789012"
REGION = "us-east-1"
DEPLOYMENTS = "/model-customization/custom-model-deployments"
THROUGHPUTS = "/provisioned-model-throughput"
JOBS = "/model-customization-jobs/"
MODELS = "/custom-models/"
EVALUATIONS = "/evaluation-jobs"
MICRO = "amazon.nova-micro-v1:0:128k"
TERMS = {"OneMonth": timedelta(days=30), "SixMonths": timedelta(days=182)}


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass
class Resource:
    kind: str  # "deployment" or "throughput"
    arn: str
    name: str
    model: str
    token: str | None
    body: dict[str, Any]
    status: str = "Creating"
    countdown: int = 1
    failure: str | None = None
    """A message: creation (or the pending swap) fails with it when the countdown ends."""
    pending_model: str | None = None
    update_status: str | None = None
    deleted_countdown: int | None = None
    created: datetime = field(default_factory=lambda: datetime.now(UTC))
    expires: datetime | None = None


@dataclass
class FakeBedrock:
    creating_polls: int = 1
    updating_polls: int = 1
    deletion_polls: int = 0
    honor_tokens: bool = True
    throttle: int = 0
    """How many of the next requests answer 429 ThrottlingException."""
    drop_create_responses: int = 0
    """How many of the next creates act, then close the connection without answering."""
    create_failure: str | None = None
    create_failures: dict[str, str] = field(default_factory=dict)
    """Kind ("deployment", "throughput") -> the message its creation fails with (status Failed)."""
    create_refusals: dict[str, str] = field(default_factory=dict)
    """Kind -> the message a create of that kind is refused with (400 ValidationException; nothing created)."""
    refuse_delete_while_creating: bool = False
    """A delete of a resource still Creating answers 409 ConflictException (what the runtime must survive)."""
    swap_failures: dict[str, str] = field(default_factory=dict)
    """Model ARN -> the failure message of a swap to it."""
    resources: dict[str, Resource] = field(default_factory=dict)
    tags: dict[str, dict[str, str]] = field(default_factory=dict)
    jobs: dict[str, dict[str, Any]] = field(default_factory=dict)
    models: dict[str, dict[str, Any]] = field(default_factory=dict)
    evaluations: dict[str, dict[str, Any]] = field(default_factory=dict)
    evaluation_polls: int = 1
    """How many reads an evaluation job stays InProgress."""
    evaluation_outcome: str = "Completed"
    """Completed, Failed or Stopped, once the polls are done."""
    answers: dict[str, Callable[[str], str]] = field(default_factory=dict)
    """bedrock-runtime Converse: model id -> its answer to a prompt (default: an echo naming the model)."""
    on_evaluation_done: Callable[[dict[str, Any]], None] | None = None
    """Called with the create request when a job completes (the test writes its report to S3)."""
    calls: list[tuple[str, str, dict[str, Any]]] = field(default_factory=list)
    query: dict[str, list[str]] = field(default_factory=dict)
    """The query string of the request being dispatched (ListEvaluationJobs' nameContains)."""
    lock: threading.Lock = field(default_factory=threading.Lock)

    # ---- helpers for tests ----------------------------------------------------------------------

    def operations(self) -> list[str]:
        return [op for op, _, _ in self.calls]

    def of_kind(self, kind: str) -> list[Resource]:
        return [r for r in self.resources.values() if r.kind == kind]

    def add_job(
        self,
        arn: str,
        *,
        training_loss: float | None,
        validation_loss: float | None,
        model_arn: str | None = None,
        base: str = MICRO,
    ) -> None:
        """A Completed job with these losses; ``model_arn``: the custom model it trained (GetCustomModel)."""
        if model_arn is not None:
            self.models[model_arn] = {
                "modelArn": model_arn,
                "modelName": model_arn.rsplit("/", 1)[-1],
                "jobArn": arn,
                "baseModelArn": f"arn:aws:bedrock:{REGION}::foundation-model/{base}",
                "creationTime": 1_700_000_000,
            }
        job: dict[str, Any] = {
            "jobArn": arn,
            "jobName": arn.rsplit("/", 1)[-1],
            "outputModelName": "m",
            "roleArn": f"arn:aws:iam::{ACCOUNT}:role/r",
            "status": "Completed",
            "creationTime": 1_700_000_000,
            "baseModelArn": f"arn:aws:bedrock:{REGION}::foundation-model/{base}",
            "trainingDataConfig": {"s3Uri": "s3://data/train.jsonl"},
            "validationDataConfig": {"validators": []},
            "outputDataConfig": {"s3Uri": "s3://out/"},
        }
        if training_loss is not None:
            job["trainingMetrics"] = {"trainingLoss": training_loss}
        if validation_loss is not None:
            job["validationMetrics"] = [{"validationLoss": validation_loss}]
        self.jobs[arn] = job

    # ---- the API --------------------------------------------------------------------------------

    def find(self, kind: str, identifier: str) -> Resource:
        for resource in self.resources.values():
            if resource.kind == kind and identifier in (resource.arn, resource.name):
                return resource
        raise ApiError(404, "ResourceNotFoundException", f"Could not find {kind} {identifier}")

    def create(self, kind: str, body: dict[str, Any]) -> Resource:
        name_field, model_field = (
            ("modelDeploymentName", "modelArn") if kind == "deployment" else ("provisionedModelName", "modelId")
        )
        name, token = body[name_field], body.get("clientRequestToken")
        if kind in self.create_refusals:
            raise ApiError(400, "ValidationException", self.create_refusals[kind])
        for existing in self.resources.values():
            if existing.kind == kind and existing.name == name:
                if self.honor_tokens and token and existing.token == token:
                    return existing
                raise ApiError(409, "ConflictException", f"Resource with name {name} already exists")
        suffix = "custom-model-deployment" if kind == "deployment" else "provisioned-model"
        arn = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:{suffix}/{secrets.token_hex(6)}"
        resource = Resource(kind, arn, name, body[model_field], token, body, countdown=self.creating_polls)
        resource.failure = self.create_failures.get(kind, self.create_failure)
        if kind == "throughput" and body.get("commitmentDuration"):
            resource.expires = resource.created + TERMS[body["commitmentDuration"]]
        self.resources[arn] = resource
        self.tags[arn] = {t["key"]: t["value"] for t in body.get("tags", [])}
        return resource

    def tick(self, resource: Resource) -> None:
        """One read: advance creation, a swap or a deletion."""
        if resource.status == "Creating":
            resource.countdown -= 1
            if resource.countdown <= 0:
                resource.status = (
                    "Failed" if resource.failure else ("Active" if resource.kind == "deployment" else "InService")
                )
        elif resource.pending_model is not None:
            resource.countdown -= 1
            if resource.countdown <= 0:
                message = self.swap_failures.get(resource.pending_model)
                if message:
                    resource.failure, resource.update_status = message, "UpdateFailed"
                    resource.pending_model = None
                    if resource.kind == "throughput":
                        resource.status = "InService"
                else:
                    resource.model, resource.pending_model = resource.pending_model, None
                    resource.update_status, resource.failure = "UpdateCompleted", None
                    if resource.kind == "throughput":
                        resource.status = "InService"
        if resource.deleted_countdown is not None:
            resource.deleted_countdown -= 1
            if resource.deleted_countdown < 0:
                del self.resources[resource.arn]
                raise ApiError(404, "ResourceNotFoundException", f"Could not find {resource.arn}")

    def render(self, resource: Resource) -> dict[str, Any]:
        if resource.kind == "deployment":
            out: dict[str, Any] = {
                "customModelDeploymentArn": resource.arn,
                "modelDeploymentName": resource.name,
                "modelArn": resource.model,
                "createdAt": resource.created.timestamp(),
                "status": resource.status,
            }
            if resource.body.get("description"):
                out["description"] = resource.body["description"]
            if resource.update_status:
                target = resource.pending_model or resource.body.get("_last_swap") or resource.model
                out["updateDetails"] = {"modelArn": target, "updateStatus": resource.update_status}
        else:
            out = {
                "modelUnits": resource.body["modelUnits"],
                "desiredModelUnits": resource.body["modelUnits"],
                "provisionedModelName": resource.name,
                "provisionedModelArn": resource.arn,
                "modelArn": resource.model,
                "desiredModelArn": resource.pending_model or resource.model,
                "foundationModelArn": self.base_of(resource.body["modelId"]),
                "status": resource.status,
                "creationTime": resource.created.timestamp(),
                "lastModifiedTime": resource.created.timestamp(),
            }
            if resource.body.get("commitmentDuration"):
                out["commitmentDuration"] = resource.body["commitmentDuration"]
                if resource.expires:
                    out["commitmentExpirationTime"] = resource.expires.timestamp()
        if resource.failure and (resource.status == "Failed" or resource.update_status == "UpdateFailed"):
            out["failureMessage"] = resource.failure
        return out

    def evaluation_tick(self, arn: str) -> dict[str, Any]:
        """One read of an evaluation job: InProgress for ``evaluation_polls`` reads, then the outcome."""
        job = self.evaluations.get(arn)
        if job is None:
            raise ApiError(404, "ResourceNotFoundException", "Could not find the evaluation job")
        if job["status"] == "Stopping":
            job["status"] = "Stopped"
        elif job["status"] == "InProgress":
            job["countdown"] -= 1
            if job["countdown"] < 0:
                job["status"] = self.evaluation_outcome
                if job["status"] == "Completed" and self.on_evaluation_done is not None:
                    self.on_evaluation_done(job["request"])
        request = job["request"]
        out: dict[str, Any] = {
            "jobName": request["jobName"],
            "status": job["status"],
            "jobArn": arn,
            "roleArn": request["roleArn"],
            "jobType": "Automated",
            "applicationType": "ModelEvaluation",
            "evaluationConfig": request["evaluationConfig"],
            "inferenceConfig": request["inferenceConfig"],
            "outputDataConfig": request["outputDataConfig"],
            "creationTime": 1_700_000_000,
        }
        if job["status"] == "Failed":
            out["failureMessages"] = ["The evaluator model could not be invoked: AccessDeniedException"]
        return out

    def base_of(self, model: str) -> str:
        record = self.models.get(model)
        return str(record["baseModelArn"]) if record else f"arn:aws:bedrock:{REGION}::foundation-model/{MICRO}"

    def swap(self, resource: Resource, model: str) -> None:
        if resource.status not in ("Active", "InService"):
            raise ApiError(400, "ValidationException", f"Cannot update while {resource.status}")
        if resource.kind == "throughput" and self.base_of(model) != self.base_of(resource.body["modelId"]):
            raise ApiError(400, "ValidationException", "desiredModelId must be customized from the same base model")
        resource.pending_model, resource.countdown = model, self.updating_polls
        resource.body["_last_swap"] = model
        resource.update_status, resource.failure = "Updating", None
        if resource.kind == "throughput":
            resource.status = "Updating"

    def delete(self, resource: Resource) -> None:
        if resource.kind == "throughput" and resource.expires and resource.expires > datetime.now(UTC):
            raise ApiError(400, "ValidationException", "Cannot delete a provisioned throughput under commitment")
        if self.refuse_delete_while_creating and resource.status == "Creating":
            raise ApiError(409, "ConflictException", f"{resource.arn} is being created; try again later")
        if self.deletion_polls:
            resource.deleted_countdown = self.deletion_polls
        else:
            del self.resources[resource.arn]

    def dispatch(self, method: str, path: str, body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        """(operation name, response body) for one request; raises ApiError."""
        for prefix, kind in ((DEPLOYMENTS, "deployment"), (THROUGHPUTS, "throughput")):
            op_stem = "CustomModelDeployment" if kind == "deployment" else "ProvisionedModelThroughput"
            if path == prefix and method == "POST":
                resource = self.create(kind, body)
                key = "customModelDeploymentArn" if kind == "deployment" else "provisionedModelArn"
                return f"Create{op_stem}", {key: resource.arn}
            if path.startswith(prefix + "/"):
                resource = self.find(kind, unquote(path[len(prefix) + 1 :]))
                if method == "GET":
                    self.tick(resource)
                    return f"Get{op_stem}", self.render(resource)
                if method == "PATCH":
                    if body.get("desiredProvisionedModelName"):
                        resource.name = body["desiredProvisionedModelName"]
                    if body.get("modelArn") or body.get("desiredModelId"):
                        self.swap(resource, body.get("modelArn") or body["desiredModelId"])
                    return f"Update{op_stem}", (
                        {"customModelDeploymentArn": resource.arn} if kind == "deployment" else {}
                    )
                if method == "DELETE":
                    self.delete(resource)
                    return f"Delete{op_stem}", {}
        if path.startswith(JOBS) and method == "GET":
            job = self.jobs.get(unquote(path[len(JOBS) :]))
            if job is None:
                raise ApiError(404, "ResourceNotFoundException", "Could not find the job")
            return "GetModelCustomizationJob", job
        if path.startswith("/model/") and path.endswith("/converse") and method == "POST":
            model_id = unquote(path[len("/model/") : -len("/converse")])
            if model_id in self.resources and self.resources[model_id].status not in ("Active", "InService"):
                raise ApiError(400, "ValidationException", f"{model_id} is not ready")
            if model_id.startswith("arn:") and ":custom-model/" in model_id:
                raise ApiError(400, "ValidationException", "a custom model cannot be invoked by its own ARN")
            prompt = body["messages"][0]["content"][0]["text"]
            served = self.resources[model_id].model if model_id in self.resources else model_id
            text = self.answers.get(served, lambda q: f"{served.rsplit('/', 1)[-1]} answers {q}")(prompt)
            return "Converse", {
                "output": {"message": {"role": "assistant", "content": [{"text": text}]}},
                "stopReason": "end_turn",
                "usage": {"inputTokens": 5, "outputTokens": 5, "totalTokens": 10},
                "metrics": {"latencyMs": 1},
            }
        if path == EVALUATIONS and method == "POST":
            for arn, job in self.evaluations.items():
                if self.honor_tokens and job["request"].get("clientRequestToken") == body.get("clientRequestToken"):
                    return "CreateEvaluationJob", {"jobArn": arn}
                if job["request"]["jobName"] == body["jobName"]:
                    raise ApiError(409, "ConflictException", f"Evaluation job {body['jobName']} already exists")
            arn = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:evaluation-job/{secrets.token_hex(6)}"
            self.evaluations[arn] = {"request": body, "status": "InProgress", "countdown": self.evaluation_polls}
            return "CreateEvaluationJob", {"jobArn": arn}
        if path == EVALUATIONS and method == "GET":  # ListEvaluationJobs (nameContains; one page)
            name = self.query.get("nameContains", [""])[0]
            summaries = [
                {
                    "jobArn": arn,
                    "jobName": job["request"]["jobName"],
                    "status": job["status"],
                    "creationTime": "2026-12-01T00:00:00Z",
                    "jobType": "Automated",
                    "evaluationTaskTypes": ["General"],
                    "modelIdentifiers": [],
                }
                for arn, job in self.evaluations.items()
                if name in job["request"]["jobName"]
            ]
            return "ListEvaluationJobs", {"jobSummaries": summaries}
        if path.startswith(EVALUATIONS + "/") and method == "GET":
            return "GetEvaluationJob", self.evaluation_tick(unquote(path[len(EVALUATIONS) + 1 :]))
        if path.startswith("/evaluation-job/") and path.endswith("/stop") and method == "POST":
            job = self.evaluations.get(unquote(path[len("/evaluation-job/") : -len("/stop")]))
            if job is None:
                raise ApiError(404, "ResourceNotFoundException", "Could not find the evaluation job")
            if job["status"] != "InProgress":
                raise ApiError(409, "ConflictException", f"Evaluation job is {job['status']}")
            job["status"] = "Stopping"
            return "StopEvaluationJob", {}
        if path.startswith(MODELS) and method == "GET":
            model = self.models.get(unquote(path[len(MODELS) :]))
            if model is None:
                raise ApiError(404, "ResourceNotFoundException", "Could not find the model")
            return "GetCustomModel", model
        if method == "POST" and path in ("/listTagsForResource", "/tagResource", "/untagResource"):
            arn = body["resourceARN"]
            if arn not in self.tags or arn not in self.resources:
                raise ApiError(404, "ResourceNotFoundException", f"Could not find {arn}")
            if path == "/tagResource":
                self.tags[arn].update({t["key"]: t["value"] for t in body["tags"]})
                return "TagResource", {}
            if path == "/untagResource":
                for key in body["tagKeys"]:
                    self.tags[arn].pop(key, None)
                return "UntagResource", {}
            return "ListTagsForResource", {"tags": [{"key": k, "value": v} for k, v in self.tags[arn].items()]}
        raise ApiError(404, "UnknownOperationException", f"{method} {path}")


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        return

    def _serve(self, method: str) -> None:
        fake = self.server.fake
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        body = json.loads(raw) if raw else {}
        path = urlsplit(self.path).path
        with fake.lock:
            fake.query = parse_qs(urlsplit(self.path).query)
            if fake.throttle > 0:
                fake.throttle -= 1
                fake.calls.append(("Throttled", path, body))
                self._answer(429, {"message": "Rate exceeded"}, "ThrottlingException")
                return
            try:
                operation, response = fake.dispatch(method, path, body)
            except ApiError as error:
                fake.calls.append((f"{method} {path} -> {error.code}", path, body))
                self._answer(error.status, {"message": error.message}, error.code)
                return
            fake.calls.append((operation, path, body))
            if operation.startswith("Create") and fake.drop_create_responses > 0:
                fake.drop_create_responses -= 1
                fake.calls.append(("Dropped", path, body))
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
        self._answer(200, response)

    def _answer(self, status: int, body: dict[str, Any], error_type: str | None = None) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        if error_type:
            self.send_header("x-amzn-ErrorType", error_type)
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        self._serve("GET")

    def do_POST(self) -> None:
        self._serve("POST")

    def do_PATCH(self) -> None:
        self._serve("PATCH")

    def do_DELETE(self) -> None:
        self._serve("DELETE")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    fake: FakeBedrock


class Endpoint:
    """The fake on 127.0.0.1 (a free port), served from a thread until ``stop``."""

    def __init__(self, fake: FakeBedrock) -> None:
        self.server = _Server(("127.0.0.1", 0), _Handler)
        self.server.fake = fake
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)
