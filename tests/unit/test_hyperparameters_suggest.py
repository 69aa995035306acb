"""An unknown hyperparameter name gets the closest documented one (issue 13), at synth and in the CLI."""

from __future__ import annotations

from aws_cdk.assertions import Annotations, Match

from constructs_lib.rules import hyperparameters as hp

from .helpers import new_stack, simple_job

NOVA = "amazon.nova-micro-v1:0:128k"


def test_a_misspelt_name_gets_did_you_mean() -> None:
    (advisory,) = hp.advisories(NOVA, {"epochcount": 2})
    assert "did you mean 'epochCount'?" in advisory, advisory
    (typo,) = hp.advisories(NOVA, {"learningRat": 1e-5})
    assert "did you mean 'learningRate'?" in typo, typo


def test_a_name_unlike_any_documented_one_gets_the_list_only() -> None:
    (advisory,) = hp.advisories(NOVA, {"temperature": 1})
    assert "did you mean" not in advisory and "documented:" in advisory


def test_the_synth_time_warning_suggests_the_documented_name() -> None:
    stack = new_stack()
    simple_job(stack, hyper_parameters={"epochcount": 2})
    texts = [str(w.entry.data) for w in Annotations.from_stack(stack).find_warning("*", Match.any_value())]
    assert any("'epochcount'" in t and "did you mean 'epochCount'?" in t for t in texts), texts
