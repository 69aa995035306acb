"""Faults injected into a real client talking to moto: everything not injected goes over HTTP.

``Faults.fail(op, code, ...)`` answers the next call(s) of an operation with an AWS error instead of
sending it (the way botocore's Stubber answers, through the ``before-call`` event). ``lose_response``
lets a call reach the server and then raises a read timeout, as if the answer was lost on the way
back: the server did the work, the caller does not know.
"""

from __future__ import annotations

from collections import Counter, defaultdict, deque
from typing import Any

from botocore.awsrequest import AWSResponse
from botocore.exceptions import ReadTimeoutError


class Faults:
    def __init__(self, client: Any) -> None:
        self.client = client
        self._errors: dict[str, deque[tuple[str, str, int, int]]] = defaultdict(deque)
        self._lost: Counter[str] = Counter()
        self.sent: Counter[str] = Counter()  # calls that reached the server
        self.answered_with_fault: Counter[str] = Counter()
        client.meta.events.register("before-call.bedrock.*", self._before_call)
        client.meta.events.register("after-call.bedrock.*", self._after_call)

    def fail(
        self, operation: str, code: str, message: str, status: int = 400, *, times: int = 1, after: int = 0
    ) -> Faults:
        """Answer ``times`` calls of ``operation`` with an error, once ``after`` calls have reached the server."""
        for _ in range(times):
            self._errors[operation].append((code, message, status, after))
        return self

    def lose_response(self, operation: str, *, times: int = 1) -> Faults:
        self._lost[operation] += times
        return self

    def _before_call(self, model: Any, **_: Any) -> tuple[AWSResponse, dict[str, Any]] | None:
        queue = self._errors.get(model.name)
        if not queue or self.sent[model.name] < queue[0][3]:
            self.sent[model.name] += 1
            return None
        code, message, status, _ = queue.popleft()
        self.answered_with_fault[model.name] += 1
        parsed = {"ResponseMetadata": {"HTTPStatusCode": status}, "Error": {"Code": code, "Message": message}}
        return AWSResponse(None, status, {}, None), parsed

    def _after_call(self, model: Any, http_response: Any, **_: Any) -> None:
        if self._lost[model.name] > 0 and http_response is not None and http_response.raw is not None:
            self._lost[model.name] -= 1
            raise ReadTimeoutError(endpoint_url=f"(lost answer of {model.name})")
