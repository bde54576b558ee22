"""ECR and ECR Public actions: the operation names, wildcard expansion and classification.

The operation names come from the service models that ship inside botocore, read offline
(no credentials, no network); this is the only module that imports botocore, and only when
an expansion is first needed. A policy's ``ecr:Put*`` then means exactly the operations that
exist, which a hand-written list would silently miss as the service grows.

Each action is classified ``read`` (pull and inspect), ``write`` (push, delete, create) or
``admin`` (who may access the registry and how it is configured: policies, replication,
pull-through cache, scanning, tag mutability, lifecycle). ``CLASSES`` is the table; an
operation newer than the table falls back to its verb (``FALLBACK``) so it is never
unclassified.
"""

from __future__ import annotations

import fnmatch
import functools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

SERVICES = {"ecr": "ecr", "ecr-public": "ecr-public"}  # IAM prefix -> botocore service name
READ, WRITE, ADMIN = "read", "write", "admin"
RANK = {READ: 0, WRITE: 1, ADMIN: 2}

# Actions that exist in IAM but are no API operation of their own (Service Authorization
# Reference): importing an upstream image through a pull-through cache, and replicating.
IAM_ONLY = {"ecr": ("BatchImportUpstreamImage", "ReplicateImage")}

_ECR_READ = (
    "BatchCheckLayerAvailability BatchGetImage BatchGetRepositoryScanningConfiguration "
    "DescribeImageReplicationStatus DescribeImageScanFindings DescribeImageSigningStatus "
    "DescribeImages DescribePullThroughCacheRules DescribeRegistry DescribeRepositories "
    "DescribeRepositoryCreationTemplates GetAccountSetting GetAuthorizationToken "
    "GetDownloadUrlForLayer GetLifecyclePolicy GetLifecyclePolicyPreview GetRegistryPolicy "
    "GetRegistryScanningConfiguration GetRepositoryPolicy GetSigningConfiguration "
    "ListImageReferrers ListImages ListPullTimeUpdateExclusions ListTagsForResource "
    "ValidatePullThroughCacheRule "
    # Imports an image from the cache rule's upstream on a pull: AWS's own PullOnly policy
    # grants it, so it is part of pulling, not a push.
    "BatchImportUpstreamImage"
)
_ECR_WRITE = (
    "BatchDeleteImage CompleteLayerUpload CreateRepository "
    "DeleteRepository InitiateLayerUpload PutImage ReplicateImage StartImageScan "
    "StartLifecyclePolicyPreview TagResource UntagResource UpdateImageStorageClass "
    "UploadLayerPart"
)
_ECR_ADMIN = (
    "CreatePullThroughCacheRule CreateRepositoryCreationTemplate DeleteLifecyclePolicy "
    "DeletePullThroughCacheRule DeleteRegistryPolicy DeleteRepositoryCreationTemplate "
    "DeleteRepositoryPolicy DeleteSigningConfiguration DeregisterPullTimeUpdateExclusion "
    "PutAccountSetting PutImageScanningConfiguration PutImageTagMutability PutLifecyclePolicy "
    "PutRegistryPolicy PutRegistryScanningConfiguration PutReplicationConfiguration "
    "PutSigningConfiguration RegisterPullTimeUpdateExclusion SetRepositoryPolicy "
    "UpdatePullThroughCacheRule UpdateRepositoryCreationTemplate"
)
_PUBLIC_READ = (
    "BatchCheckLayerAvailability DescribeImageTags DescribeImages DescribeRegistries "
    "DescribeRepositories GetAuthorizationToken GetRegistryCatalogData "
    "GetRepositoryCatalogData GetRepositoryPolicy ListTagsForResource"
)
_PUBLIC_WRITE = (
    "BatchDeleteImage CompleteLayerUpload CreateRepository DeleteRepository "
    "InitiateLayerUpload PutImage PutRegistryCatalogData PutRepositoryCatalogData "
    "TagResource UntagResource UploadLayerPart"
)
_PUBLIC_ADMIN = "DeleteRepositoryPolicy SetRepositoryPolicy"


def _table(prefix: str, **classes: str) -> dict[str, str]:
    return {f"{prefix}:{op}": cls for cls, ops in classes.items() for op in ops.split()}


CLASSES: dict[str, str] = {
    **_table("ecr", read=_ECR_READ, write=_ECR_WRITE, admin=_ECR_ADMIN),
    **_table("ecr-public", read=_PUBLIC_READ, write=_PUBLIC_WRITE, admin=_PUBLIC_ADMIN),
}

# For operations newer than CLASSES: read by verb, admin by what they change, else write.
FALLBACK = (
    (re.compile(r"^(Describe|Get|List|BatchGet|BatchCheck|Validate)"), READ),
    (re.compile(r"(Policy|Configuration|Setting|Template|Rule|Exclusion)$"), ADMIN),
)


@functools.cache
def operations() -> tuple[str, ...]:
    """Every ECR and ECR Public action (``ecr:PutImage``...), sorted, from botocore's models."""
    from botocore.loaders import Loader  # the one botocore import, deferred until needed

    loader = Loader()
    names: set[str] = set()
    for prefix, service in SERVICES.items():
        model: dict[str, Any] = loader.load_service_model(service, "service-2")
        names.update(f"{prefix}:{op}" for op in model["operations"])
        names.update(f"{prefix}:{op}" for op in IAM_ONLY.get(prefix, ()))
    return tuple(sorted(names))


def classify(action: str) -> str:
    """``read``, ``write`` or ``admin`` for one exact action name."""
    if action in CLASSES:
        return CLASSES[action]
    op = action.partition(":")[2]
    for pattern, cls in FALLBACK:
        if pattern.search(op):
            return cls
    return WRITE


@functools.cache
def matches(pattern: str) -> tuple[str, ...]:
    """The ECR actions an IAM action pattern names. IAM compares action names without regard
    to case and supports ``*`` and ``?``; a pattern of another service names none."""
    lowered = pattern.strip().lower()
    return tuple(a for a in operations() if fnmatch.fnmatchcase(a.lower(), lowered))


@dataclass(frozen=True)
class ActionSet:
    """The ECR actions a statement grants: ``sure`` are granted whatever unknown values turn
    out to be, ``maybe`` could be (``sure`` is a subset). Both sorted tuples."""

    sure: tuple[str, ...]
    maybe: tuple[str, ...]

    def of_class(self, *classes: str) -> ActionSet:
        """Only the actions of the given classes."""
        return ActionSet(
            tuple(a for a in self.sure if classify(a) in classes),
            tuple(a for a in self.maybe if classify(a) in classes),
        )

    def minus(self, denied: ActionSet) -> ActionSet:
        """What is left after a Deny: surely granted only if the Deny cannot cover it."""
        maybe_gone, sure_gone = set(denied.maybe), set(denied.sure)
        return ActionSet(
            tuple(a for a in self.sure if a not in maybe_gone),
            tuple(a for a in self.maybe if a not in sure_gone),
        )

    def verdict(self) -> bool | None:
        """True when some action is surely granted, None when one may be, else False."""
        return True if self.sure else None if self.maybe else False


EMPTY = ActionSet((), ())


def expand(actions: Iterable[Any] | None, not_actions: Iterable[Any] | None) -> ActionSet:
    """The ECR actions of an ``Action`` list, or everything but a ``NotAction`` list. Items
    that are not strings (unknown until apply) could name any action."""
    if actions is None and not_actions is None:
        return EMPTY
    items = list(actions if actions is not None else not_actions or [])
    known = {a for item in items if isinstance(item, str) for a in matches(item)}
    unknown = any(not isinstance(item, str) for item in items)
    if actions is not None:
        sure = tuple(sorted(known))
        return ActionSet(sure, operations() if unknown else sure)
    rest = tuple(a for a in operations() if a not in known)
    return ActionSet(() if unknown else rest, rest)


def is_wildcard(pattern: Any) -> bool:
    """``*``, ``ecr:*`` and other patterns that grant a whole service at once."""
    return isinstance(pattern, str) and pattern.strip().lower() in ("*", "ecr:*", "ecr-public:*")
