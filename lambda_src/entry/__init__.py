"""The stack's one runtime entry point: answers CloudFormation itself, for every resource type and event.

Lambda handler string: ``_runtime.entry.handler.handler`` (contract.RUNTIME_HANDLER). No Provider framework:
this package gives the guarantees the framework gave (every request answered, also when the core fails or runs
out of time, and waits up to CloudFormation's hour) with the function's asynchronous-invocation settings
(retries, event age, an on-failure destination) and self-continuation. Standard library at import time; the
cores (and boto3) are imported inside the safety net, so a core that cannot load is answered FAILED too.
"""
