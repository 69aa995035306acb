"""The serving resources' handler: custom model deployments and provisioned throughput (issue 12)."""
