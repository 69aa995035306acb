"""The presigned-URL allowlist accepts exactly CloudFormation's two response buckets, nothing else (issue 19).

CloudFormation's buckets, per the CloudFormation User Guide ("Access CloudFormation using an interface endpoint
(AWS PrivateLink)"): ``cloudformation-custom-resource-response-<region without dashes>`` for custom resources
and ``cloudformation-waitcondition-<region>`` for wait conditions, in each Region. Both reach S3 on the S3
endpoint of the Region's partition, virtual-hosted or path-style.
"""

from __future__ import annotations

import pytest

from lambda_src.job_watcher.presigned import cloudformation_bucket, refusal

Q = "/arn%3Aaws%3Acloudformation%3Aus-east-1%3A123456789012%3Astack/S/1%7CWait%7C1?X-Amz-Signature=abc"

ACCEPTED = [
    # aws partition: global, Regional, legacy dash-Regional, dual-stack; virtual-hosted and path-style
    f"https://cloudformation-waitcondition-us-east-1.s3.amazonaws.com{Q}",
    f"https://cloudformation-waitcondition-us-west-2.s3.us-west-2.amazonaws.com{Q}",
    f"https://cloudformation-waitcondition-eu-west-1.s3-eu-west-1.amazonaws.com{Q}",
    f"https://cloudformation-waitcondition-ap-southeast-3.s3.dualstack.ap-southeast-3.amazonaws.com{Q}",
    f"https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com{Q}",
    f"https://cloudformation-custom-resource-response-euwest1.s3-eu-west-1.amazonaws.com{Q}",
    f"https://cloudformation-custom-resource-response-apnortheast1.s3.ap-northeast-1.amazonaws.com{Q}",
    f"https://s3.amazonaws.com/cloudformation-waitcondition-us-east-1{Q}",
    f"https://s3.us-west-2.amazonaws.com/cloudformation-custom-resource-response-uswest2{Q}",
    f"https://s3-eu-central-1.amazonaws.com/cloudformation-waitcondition-eu-central-1{Q}",
    f"https://s3.dualstack.us-east-2.amazonaws.com/cloudformation-custom-resource-response-useast2{Q}",
    # aws-cn (amazonaws.com.cn) and aws-us-gov
    f"https://cloudformation-waitcondition-cn-north-1.s3.cn-north-1.amazonaws.com.cn{Q}",
    f"https://cloudformation-custom-resource-response-cnnorthwest1.s3.cn-northwest-1.amazonaws.com.cn{Q}",
    f"https://s3.cn-north-1.amazonaws.com.cn/cloudformation-custom-resource-response-cnnorth1{Q}",
    f"https://cloudformation-waitcondition-us-gov-west-1.s3.us-gov-west-1.amazonaws.com{Q}",
    f"https://cloudformation-custom-resource-response-usgovwest1.s3-us-gov-west-1.amazonaws.com{Q}",
    f"https://s3.us-gov-east-1.amazonaws.com/cloudformation-waitcondition-us-gov-east-1{Q}",
]

REFUSED = [
    # a bucket that merely starts like CloudFormation's (anyone can create one)
    "https://cloudformation-waitcondition-attacker.s3.amazonaws.com/h",
    "https://cloudformation-waitcondition-us-east-1-attacker.s3.amazonaws.com/h",
    "https://cloudformation-waitcondition-us-east-1x.s3.amazonaws.com/h",
    "https://cloudformation-custom-resource-response-attacker.s3.amazonaws.com/h",
    "https://cloudformation-custom-resource-response-useast1x.s3.amazonaws.com/h",
    "https://s3.amazonaws.com/cloudformation-waitcondition-mine/h",
    # the two naming schemes swapped (the custom-resource bucket has no dashes in its Region, the other has)
    "https://cloudformation-custom-resource-response-us-east-1.s3.amazonaws.com/h",
    "https://cloudformation-waitcondition-useast1.s3.amazonaws.com/h",
    # a Region in the host that is not the bucket's
    "https://cloudformation-waitcondition-us-east-1.s3.us-west-2.amazonaws.com/h",
    "https://s3.eu-west-1.amazonaws.com/cloudformation-custom-resource-response-useast1/h",
    # the wrong partition's domain
    "https://cloudformation-waitcondition-cn-north-1.s3.cn-north-1.amazonaws.com/h",
    "https://cloudformation-waitcondition-us-east-1.s3.us-east-1.amazonaws.com.cn/h",
    "https://cloudformation-waitcondition-cn-north-1.s3.amazonaws.com/h",
    # S3 hosts that are not the bucket endpoint: access points, Object Lambda, website, control, FIPS, accelerate
    "https://cloudformation-waitcondition-us-east-1-123456789012.s3-accesspoint.us-east-1.amazonaws.com/h",
    "https://cloudformation-waitcondition-us-east-1.s3-accesspoint.us-east-1.amazonaws.com/h",
    "https://cloudformation-waitcondition-us-east-1.s3-object-lambda.us-east-1.amazonaws.com/h",
    "https://cloudformation-waitcondition-us-east-1.s3-website-us-east-1.amazonaws.com/h",
    "https://cloudformation-waitcondition-us-east-1.s3-website.us-east-1.amazonaws.com/h",
    "https://cloudformation-waitcondition-us-east-1.s3-control.us-east-1.amazonaws.com/h",
    "https://123456789012.s3-control.us-east-1.amazonaws.com/cloudformation-waitcondition-us-east-1/h",
    "https://s3-accesspoint.us-east-1.amazonaws.com/cloudformation-waitcondition-us-east-1/h",
    "https://s3-object-lambda.us-east-1.amazonaws.com/cloudformation-waitcondition-us-east-1/h",
    "https://s3-website-us-east-1.amazonaws.com/cloudformation-waitcondition-us-east-1/h",
    "https://cloudformation-waitcondition-us-east-1.s3-accelerate.amazonaws.com/h",
    "https://cloudformation-waitcondition-us-east-1.s3.x.us-east-1.amazonaws.com/h",
    # path-style on any host that is not S3's endpoint
    "https://s3-my-lb-123.us-east-1.elb.amazonaws.com/cloudformation-waitcondition-us-east-1/h",
    "https://s3-x.elb.amazonaws.com/cloudformation-custom-resource-response-useast1/h",
    "https://s3.us-east-1.elb.amazonaws.com/cloudformation-waitcondition-us-east-1/h",
    "https://abc.execute-api.us-east-1.amazonaws.com/cloudformation-waitcondition-us-east-1/h",
    # path-style with the bucket not first, or with nothing after it
    "https://s3.amazonaws.com/x/cloudformation-waitcondition-us-east-1/h",
    "https://s3.amazonaws.com/cloudformation-waitcondition-us-east-1",
    "https://s3.amazonaws.com/cloudformation-waitcondition-us-east-1.evil/h",
    # a Region that is not one (shape), and other partitions' domains
    "https://cloudformation-waitcondition-us-east.s3.amazonaws.com/h",
    "https://cloudformation-waitcondition-us-iso-east-1.s3.us-iso-east-1.c2s.ic.gov/h",
    # virtual-hosted with a second bucket-like label in front
    "https://x.cloudformation-waitcondition-us-east-1.s3.amazonaws.com/h",
    "https://evil.example/cloudformation-waitcondition-us-east-1/h",
    "http://cloudformation-waitcondition-us-east-1.s3.amazonaws.com/h",
]


@pytest.mark.parametrize("url", ACCEPTED)
def test_cloudformations_buckets_are_accepted_in_every_partition_and_style(url: str) -> None:
    assert refusal(url) is None
    assert cloudformation_bucket(url) is not None


@pytest.mark.parametrize("url", REFUSED)
def test_anything_else_is_refused(url: str) -> None:
    assert refusal(url) is not None
    assert cloudformation_bucket(url) is None


def test_the_bucket_named_is_the_one_in_the_url() -> None:
    assert cloudformation_bucket(ACCEPTED[0]) == "cloudformation-waitcondition-us-east-1"
    assert cloudformation_bucket(ACCEPTED[8]) == "cloudformation-custom-resource-response-uswest2"
