# Two entry points a new user needs: `make synth` and `make test`. Both bootstrap .venv themselves.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION := 1
# The machine's Node 20 is past jsii's support window; jsii runs on a supported Node from the npm registry.
NODE_DIR := .tools
export JSII_NODE := $(CURDIR)/$(NODE_DIR)/node_modules/.bin/node
# The CDK CLI, for `cdk synth/ls/diff/deploy` in this repository (cdk.json runs bin/cdk-app) and for the tests.
CDK := $(NODE_DIR)/node_modules/.bin/cdk
export PIP_DISABLE_PIP_VERSION_CHECK := 1
# An editable install of this project prints setuptools' "Editable installation" notice (a BuildBackendWarning):
# pyproject.toml maps lambda_src/ to constructs_lib._runtime (package-dir), a layout setuptools can only install
# editable through a meta path finder, which it announces every time. The mapping is deliberate (the runtime must
# not be a top-level package an app's own lambda_src could shadow), so the notice is filtered for our installs.
EDITABLE := PYTHONWARNINGS="ignore:Editable installation"

.PHONY: synth test quick lint typecheck unit bench mutation dist clean service-model

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(JSII_NODE):
	npm install --prefix $(NODE_DIR) --no-audit --no-fund --loglevel=error node@22 >/dev/null
	$(JSII_NODE) --version

$(CDK): | $(JSII_NODE)
	npm install --prefix $(NODE_DIR) --no-audit --no-fund --loglevel=error aws-cdk@2 >/dev/null
	$(CDK) --version

$(VENV)/.installed: pyproject.toml | $(BIN)/python $(JSII_NODE) $(CDK)
	$(EDITABLE) $(BIN)/python -m pip install -q -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml | $(BIN)/python $(JSII_NODE) $(CDK)
	$(EDITABLE) $(BIN)/python -m pip install -q -e ".[test]"
	touch $(VENV)/.installed $@

synth: $(VENV)/.installed
	rm -rf cdk.out
	CDK_OUTDIR=cdk.out $(BIN)/python app.py
	@echo "Synthesized into cdk.out/: $$(ls cdk.out/*.template.json | xargs -n1 basename | tr '\n' ' ')"

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(VENV)/.installed-test
	$(BIN)/mypy constructs_lib lambda_src

# The Lambda runtime ships an older botocore; the handler must work there with its bundled model.
OLD_BOTO := .venv-oldboto
$(OLD_BOTO)/bin/python:
	$(PYTHON) -m venv $(OLD_BOTO)
	$(OLD_BOTO)/bin/python -m pip install -q "botocore==1.35.99" "boto3==1.35.99"

unit: $(VENV)/.installed-test $(OLD_BOTO)/bin/python
	OLD_BOTOCORE_PYTHON=$(CURDIR)/$(OLD_BOTO)/bin/python $(BIN)/python -m pytest -q

test: lint typecheck unit

# The fast loop while editing (about a minute alone): ruff, then the tests not marked slow (tests/conftest.py
# lists them: CLI, pip, moto_server and whole-app syntheses), stopping at the first failure. CI runs `make test`.
quick: $(VENV)/.installed-test $(OLD_BOTO)/bin/python
	$(BIN)/ruff check .
	OLD_BOTOCORE_PYTHON=$(CURDIR)/$(OLD_BOTO)/bin/python $(BIN)/python -m pytest -x -q -m "not slow"

# The wheel and sdist into dist/, with the build backend pyproject.toml declares (an isolated build); needs only
# `build` in .venv, not the test extra. Install the wheel into your app with the README's command.
dist: | $(BIN)/python
	$(BIN)/python -m pip install -q "build>=1.2"
	rm -rf dist
	$(BIN)/python -m build --outdir dist .
	@ls dist

bench: $(VENV)/.installed-test
	$(BIN)/python benchmarks/run.py

# The runtime's bundled Bedrock model: only the operations lambda_src/ calls, from the installed botocore. Run it
# after upgrading botocore or calling another operation (tests/lambda/test_bundled_operations.py fails until then).
service-model: $(VENV)/.installed-test
	$(BIN)/python tools/bundle_service_model.py

# Mutation testing (issue 15): slow, so not part of `make test` or CI. Writes docs/mutation.md.
$(VENV)/.installed-mutation: pyproject.toml | $(BIN)/python $(JSII_NODE) $(CDK)
	$(EDITABLE) $(BIN)/python -m pip install -q -e ".[test,mutation]"
	touch $(VENV)/.installed $(VENV)/.installed-test $@

# MUTATION_ARGS: modules and options, e.g. make mutation MUTATION_ARGS="lambda_src/kernel/retry.py --budget 300"
MUTATION_ARGS ?=
mutation: $(VENV)/.installed-mutation
	$(BIN)/python tools/mutation.py $(MUTATION_ARGS)

clean:
	rm -rf cdk.out .tools .venv-oldboto build dist *.egg-info .pytest_cache .mypy_cache .ruff_cache
