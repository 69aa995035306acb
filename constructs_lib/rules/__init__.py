"""The rules wing: what Bedrock accepts, without aws-cdk-lib.

API constraints (``validation``), the model catalogue (``catalogue``), generated names (``naming``), the
dataset formats (``datasets``), hyperparameter advisories and the command-line tools (``cli``, ``watch``).
The construct wing (``constructs_lib.cdk``) and the CLI both use it; it never imports the construct wing
nor aws-cdk-lib, so ``validate-data`` and ``watch`` start without Node.js.
"""
