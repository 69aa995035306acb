"""The runtime kernel both Lambda functions share: nothing here knows either function.

- ``log``: one JSON object per line on stdout through the standard library's ``logging`` (level from
  ``LOG_LEVEL``, the invocation's request id), and ``scrub`` for text that did not come from this code;
- ``errors``: ``clip`` (UTF-8 bytes, at a character boundary) and the labels of AWS errors;
- ``client``: a botocore client configuration from (connect, read, attempts) and its worst-case call time;
- ``envelope``: what makes an event a well-formed CloudFormation custom-resource request (pure, no recursion);
- ``retry``: the time-budgeted retrier: a call starts only while its worst case fits before the Lambda's
  timeout, and a retryable error waits out its own backoff budget under the same rule.
"""
