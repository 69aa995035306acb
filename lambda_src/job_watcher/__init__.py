"""Signals a job's CloudFormation wait condition when the Bedrock job ends, and serves its Result resource.

Lambda handler string: ``job_watcher.handler.handler``. Standard library and boto3 only.
"""
