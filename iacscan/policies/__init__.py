"""IAM policy documents as data: parsing, rendering, action expansion and judgement.

``document`` parses JSON policies, ``render`` renders ``aws_iam_policy_document`` data
sources, ``actions`` expands ECR action patterns against botocore's service models and
classifies them, ``principals`` judges who a statement admits, ``managed`` knows the AWS
managed policies that matter for registries, ``collect`` finds a resource's documents in
the configuration and ``judge`` decides what they grant, three-valued.
"""
