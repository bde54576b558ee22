"""Opt-in, read-only AWS context: what the configuration points at in an existing account.

A new instance often goes into a subnet and a security group created years ago; without
them every such id is a reference to nothing and the exposure analysis can only say
UNDETERMINED. With ``--aws-context`` the ids and data sources that point at existing
infrastructure are read through one allow-listed client (``client.py``) and become
``Resource`` objects with mode ``existing`` in the same model and graph.

This package imports only ``iacscan.model``; boto3 is imported lazily, inside
``client.py``, so that a scan without the flag never pays for it.
"""

from __future__ import annotations

from iacscan.aws.settings import EXISTING, AwsSettings, cache_directory, settings_from
from iacscan.model import Resource, ScanError


def add_context(
    resources: list[Resource], settings: AwsSettings
) -> tuple[list[Resource], list[ScanError]]:
    """The resources with existing infrastructure added and references to it resolved;
    every failed read is a ScanError naming the call and the id."""
    from iacscan.aws.context import enrich

    return enrich(resources, settings)


__all__ = ["EXISTING", "AwsSettings", "add_context", "cache_directory", "settings_from"]
