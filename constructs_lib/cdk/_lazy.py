"""Lazy values from plain Python callables: CDK's producers are jsii interfaces, so wrap them once here."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jsii
from aws_cdk import IStableAnyProducer, IStableStringProducer, Lazy


@jsii.implements(IStableAnyProducer)
class _AnyProducer:
    def __init__(self, fn: Callable[[], Any]) -> None:
        self._fn = fn

    def produce(self) -> Any:
        return self._fn()


@jsii.implements(IStableStringProducer)
class _StringProducer:
    def __init__(self, fn: Callable[[], str]) -> None:
        self._fn = fn

    def produce(self) -> str:
        return self._fn()


def lazy_any(fn: Callable[[], Any]) -> Any:
    """A value computed at synth time, after every construct has been added."""
    return Lazy.any(_AnyProducer(fn))


def lazy_string(fn: Callable[[], str]) -> str:
    """A string computed once at synth time (stable: the same value every time it is read)."""
    return Lazy.string(_StringProducer(fn))
