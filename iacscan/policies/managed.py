"""AWS managed policies that matter for registries, as the ECR actions they grant.

An attachment names a managed policy only by ARN; its document lives in AWS. This table
holds the registry-relevant part of the ones container workloads commonly attach, written
from the AWS Managed Policy Reference: each grants its actions on ``*``. A managed policy
that is not in the table is unknown to us, so rules that depend on it are undetermined.
Policies listed with no actions grant nothing in ECR (node and CNI policies).
"""

from __future__ import annotations

from iacscan.policies.document import Policy, Statement

_READ_ONLY = (
    "ecr:GetAuthorizationToken ecr:BatchCheckLayerAvailability ecr:GetDownloadUrlForLayer "
    "ecr:GetRepositoryPolicy ecr:DescribeRepositories ecr:ListImages ecr:DescribeImages "
    "ecr:BatchGetImage ecr:GetLifecyclePolicy ecr:GetLifecyclePolicyPreview "
    "ecr:ListTagsForResource ecr:DescribeImageScanFindings"
)
_PULL = (
    "ecr:GetAuthorizationToken ecr:BatchCheckLayerAvailability ecr:GetDownloadUrlForLayer "
    "ecr:BatchGetImage"
)
_PUSH = "ecr:InitiateLayerUpload ecr:UploadLayerPart ecr:CompleteLayerUpload ecr:PutImage"
_PUBLIC_READ = (
    "ecr-public:GetAuthorizationToken ecr-public:BatchCheckLayerAvailability "
    "ecr-public:GetRepositoryPolicy ecr-public:DescribeRepositories "
    "ecr-public:DescribeRegistries ecr-public:DescribeImages ecr-public:DescribeImageTags "
    "ecr-public:GetRepositoryCatalogData ecr-public:GetRegistryCatalogData"
)

# Policy name -> space-separated actions (patterns allowed), all on Resource "*".
MANAGED: dict[str, str] = {
    "AdministratorAccess": "*",
    "PowerUserAccess": "*",  # NotAction iam/organizations/account: ECR is fully granted
    "AmazonEC2ContainerRegistryFullAccess": "ecr:*",
    "AmazonEC2ContainerRegistryPowerUser": f"{_READ_ONLY} {_PUSH}",
    "AmazonEC2ContainerRegistryReadOnly": _READ_ONLY,
    "AmazonEC2ContainerRegistryPullOnly": f"{_PULL} ecr:BatchImportUpstreamImage",
    "AmazonElasticContainerRegistryPublicFullAccess": "ecr-public:*",
    "AmazonElasticContainerRegistryPublicReadOnly": _PUBLIC_READ,
    "AmazonECSTaskExecutionRolePolicy": _PULL,
    "AmazonEC2ContainerServiceforEC2Role": _PULL,
    "AmazonEKSWorkerNodePolicy": "",
    "AmazonEKS_CNI_Policy": "",
    "AmazonSSMManagedInstanceCore": "",
    "CloudWatchAgentServerPolicy": "",
    "AmazonEBSCSIDriverPolicy": "",
}
_PREFIX = (
    "arn:aws:iam::aws:policy/",
    "arn:aws-cn:iam::aws:policy/",
    "arn:aws-us-gov:iam::aws:policy/",
)


def is_managed_arn(arn: object) -> bool:
    """An AWS managed policy ARN (account ``aws``), whether or not it is in the table."""
    return isinstance(arn, str) and arn.startswith(_PREFIX)


def managed_policy(arn: str) -> Policy:
    """The registry-relevant document of an AWS managed policy, or an unknown policy."""
    name = arn.rsplit("/", 1)[-1]
    origin = f"AWS managed policy {name}"
    if name not in MANAGED:
        return Policy(unknown=f"{name} is not in the table of managed policies", origin=origin)
    actions = tuple(MANAGED[name].split())
    if not actions:
        return Policy(origin=origin)
    return Policy((Statement(0, sid=name, actions=actions, resources=("*",)),), origin=origin)
