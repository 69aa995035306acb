"""The evaluation gate's pure core: the gate as the handler reads it, the Bedrock requests, the scores, the verdict."""
