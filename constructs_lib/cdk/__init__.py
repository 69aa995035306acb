"""The construct wing: everything that imports aws-cdk-lib.

The job construct and its L2 base (``job``, ``job_base``), the props it checks (``job_props``), the configs
users pass (``config``) and what each binds to (``bindings``), permissions, the per-stack provider, the
completion wiring, storage and log settings. It reads the rules from ``constructs_lib.rules`` and the names
it shares with the runtime from ``constructs_lib.contract``.
"""
