"""ECR repositories the configuration points at, with their repository and registry policies.

``data "aws_ecr_repository"`` gets its computed attributes (``repository_url`` feeds image
references, so image rules judge a real registry host instead of an unknown); literal
repository ARNs in managed resources bring the repository in as an existing node. A missing
policy is not an error: ECR answers ``*PolicyNotFoundException``, and the repository simply
has none.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from iacscan.aws.client import AwsError, ReadOnlyClient
from iacscan.aws.convert import existing
from iacscan.aws.readers import raise_if_global
from iacscan.model import Resource
from iacscan.model.values import Ref

ARN = re.compile(r"^arn:aws[a-z-]*:ecr:[a-z0-9-]+:(\d{12}):repository/([a-z0-9._/-]+)$")
NOT_FOUND = ("RepositoryPolicyNotFoundException", "RegistryPolicyNotFoundException")


def repository_of(value: str) -> tuple[str, str] | None:
    """(registry id, name) of a repository ARN, None for anything else."""
    found = ARN.match(value)
    return (found.group(1), found.group(2)) if found else None


@dataclass
class EcrReader:
    """Repositories read (by ARN) with their policy text, and the registry policies."""

    client: ReadOnlyClient
    repositories: dict[str, tuple[dict[str, Any], str | None]] = field(default_factory=dict)
    registries: dict[str, str | None] = field(default_factory=dict)

    def repository(self, name: str, registry: str | None, target: str) -> dict[str, Any]:
        """The repository ``name`` (raises AwsError naming the call when it cannot be read)."""
        where: dict[str, Any] = {"registryId": registry} if registry else {}
        response = self.client.call(
            "ecr", "DescribeRepositories", target, repositoryNames=[name], **where
        )
        found = [r for r in response.get("repositories", []) if isinstance(r, dict)]
        if len(found) != 1:
            raise AwsError("ecr:DescribeRepositories", target, f"repository {name} not found")
        record = found[0]
        policy = self._policy("GetRepositoryPolicy", target, repositoryName=name, **where)
        self.repositories[str(record.get("repositoryArn"))] = (record, policy)
        account = str(record.get("registryId", ""))
        if account and account not in self.registries:
            self.registries[account] = self._policy("GetRegistryPolicy", target)
        return record

    def _policy(self, operation: str, target: str, **params: Any) -> str | None:
        try:
            response = self.client.call("ecr", operation, target, **params)
        except AwsError as error:
            raise_if_global(error)
            if any(code in error.reason for code in NOT_FOUND):
                return None
            raise
        text = response.get("policyText")
        return text if isinstance(text, str) else None

    def resources(self, root: str) -> list[Resource]:
        found = []
        for arn, (record, policy) in sorted(self.repositories.items()):
            name = str(record.get("repositoryName"))
            found.append(
                existing("aws_ecr_repository", name, {"arn": arn, **attributes(record)}, root)
            )
            if policy is not None:
                attrs = {"repository": Ref(f"aws_ecr_repository.{name}", "name"), "policy": policy}
                found.append(existing("aws_ecr_repository_policy", name, attrs, root))
        for account, policy in sorted(self.registries.items()):
            if policy is not None:
                attrs = {"registry_id": account, "policy": policy}
                found.append(existing("aws_ecr_registry_policy", account, attrs, root))
        return found


def attributes(record: dict[str, Any]) -> dict[str, Any]:
    """The attributes ``data "aws_ecr_repository"`` computes."""
    scanning = record.get("imageScanningConfiguration") or {}
    encryption = record.get("encryptionConfiguration") or {}
    return {
        "id": record.get("repositoryName"),
        "name": record.get("repositoryName"),
        "arn": record.get("repositoryArn"),
        "registry_id": record.get("registryId"),
        "repository_url": record.get("repositoryUri"),
        "image_tag_mutability": record.get("imageTagMutability"),
        "image_scanning_configuration": [{"scan_on_push": bool(scanning.get("scanOnPush"))}],
        "encryption_configuration": [
            {
                "encryption_type": encryption.get("encryptionType"),
                "kms_key": encryption.get("kmsKey", ""),
            }
        ],
    }
