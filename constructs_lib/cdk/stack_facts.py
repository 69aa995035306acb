"""What every job of a stack asks the same, read from CDK once per stack (or once per object).

Each read of a CDK attribute from Python is a round trip to the jsii kernel (Node). A job needs the
stack's partition, Region, account and name, its own construct path, its buckets' ARNs and keys: asked
per job, that was most of a job's synth cost. Here they are read once and kept in weak maps, so a
stack and its constructs are freed with the app.
"""

from __future__ import annotations

import hashlib
import re
import weakref
from typing import Any

from aws_cdk import Stack
from constructs import IConstruct

_MISSING = object()
_stacks: weakref.WeakKeyDictionary[Any, StackFacts] = weakref.WeakKeyDictionary()
_scopes: weakref.WeakKeyDictionary[Any, tuple[StackFacts, str]] = weakref.WeakKeyDictionary()
_attributes: weakref.WeakKeyDictionary[Any, dict[str, Any]] = weakref.WeakKeyDictionary()


class StackFacts:
    """A stack's environment as tokens or literals, and the ARN patterns built from it (plain strings)."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.partition: str = stack.partition
        self.region: str = stack.region
        self.account: str = stack.account
        self.stack_name: str = stack.stack_name
        self._cache: dict[str, Any] = {}

    def arn(self, service: str, resource: str, *, region: str | None = None, account: str | None = None) -> str:
        """``Stack.format_arn`` for ``service:...:resource`` without a round trip (same tokens, same template)."""
        region = self.region if region is None else region
        account = self.account if account is None else account
        return f"arn:{self.partition}:{service}:{region}:{account}:{resource}"

    @property
    def stack_id(self) -> str:
        """``AWS::StackId`` (the owner tag's value), read on first use."""
        found: str = self.once("stack-id", lambda: self.stack.stack_id)
        return found

    def once(self, key: str, make: Any) -> Any:
        """A per-stack value (a construct, a principal) made on first use."""
        if key not in self._cache:
            self._cache[key] = make()
        return self._cache[key]


def facts_of(scope: IConstruct) -> StackFacts:
    """The facts of the stack ``scope`` belongs to."""
    return _scope_entry(scope)[0]


def path_of(scope: IConstruct) -> str:
    """``scope.node.path``, read once per scope."""
    return _scope_entry(scope)[1]


def register(construct: IConstruct, scope: IConstruct, construct_id: str) -> str:
    """Record a new construct's stack and path (known from its scope), so its own children ask nothing."""
    facts, parent = _scope_entry(scope)
    path = f"{parent}/{construct_id}" if parent else construct_id
    _scopes[construct] = (facts, path)
    return path


def _scope_entry(scope: IConstruct) -> tuple[StackFacts, str]:
    entry = _scopes.get(scope)
    if entry is None:
        stack = Stack.of(scope)
        facts = _stacks.get(stack)
        if facts is None:
            facts = _stacks[stack] = StackFacts(stack)
        entry = _scopes[scope] = (facts, scope.node.path)
    return entry


def attribute(obj: Any, name: str) -> Any:
    """``getattr(obj, name)`` read once per object (a bucket's ARN, a key's ARN); None where it has none."""
    try:
        values = _attributes.get(obj)
        if values is None:
            values = _attributes[obj] = {}
    except TypeError:  # not a construct or jsii object (a str, a number): nothing to cache
        return getattr(obj, name, None)
    value = values.get(name, _MISSING)
    if value is _MISSING:
        value = values[name] = getattr(obj, name, None)
    return value


_NOT_ALPHANUMERIC = re.compile(r"[^A-Za-z0-9]")
_HIDDEN_ID = "Default"
_HIDDEN_FROM_HUMAN_ID = "Resource"


def unique_id(path: str) -> str:
    """``Names.unique_id`` of the construct at ``path`` (CDK's ``makeUniqueId``), computed here.

    Used where the value only has to be what CDK would give (the default output prefix); a test compares
    it with CDK's own on generated trees.
    """
    components = [c for c in path.split("/") if c != _HIDDEN_ID]
    if not components:
        return ""
    if len(components) == 1:
        candidate = _NOT_ALPHANUMERIC.sub("", components[0])
        if len(candidate) <= 255:
            return candidate
    digest = hashlib.md5("/".join(components).encode("utf-8"), usedforsecurity=False).hexdigest()[:8].upper()
    human: list[str] = []
    for component in components:
        if not human or not human[-1].endswith(component):
            human.append(component)
    readable = "".join(_NOT_ALPHANUMERIC.sub("", c) for c in human if c != _HIDDEN_FROM_HUMAN_ID)
    return readable[:240] + digest
