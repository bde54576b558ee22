"""The one door to AWS: an allow-list of read operations, pagination, retries, timeouts and
a response cache.

Read-only by construction: ``call`` refuses any operation that is not in ``ALLOWED`` (and
every entry there is a ``Describe*``, ``Get*`` or ``List*``), before boto3 is even asked.
A failure becomes an ``AwsError`` naming the call and the id it was for, so the scan can
go on and report it.
"""

from __future__ import annotations

import hashlib
import json
import time
from pathlib import Path
from typing import Any

from iacscan.aws.settings import AwsSettings

ALLOWED: frozenset[tuple[str, str]] = frozenset(
    {
        ("ec2", "DescribeVpcs"),
        ("ec2", "DescribeSubnets"),
        ("ec2", "DescribeSecurityGroups"),
        ("ec2", "DescribeRouteTables"),
        ("ec2", "DescribeInternetGateways"),
        ("ec2", "DescribeNatGateways"),
        ("ec2", "DescribeNetworkAcls"),
        ("ec2", "DescribeNetworkInterfaces"),
        ("ec2", "DescribeVpcPeeringConnections"),
        ("ec2", "DescribeTransitGateways"),
        ("ecr", "DescribeRepositories"),
        ("ecr", "GetRepositoryPolicy"),
        ("ecr", "GetRegistryPolicy"),
        ("sts", "GetCallerIdentity"),
    }
)
READ_PREFIXES = ("Describe", "Get", "List")


class AwsError(Exception):
    """A call that failed: ``call`` is ``service:Operation``, ``target`` what it was for."""

    def __init__(self, call: str, target: str, reason: str) -> None:
        super().__init__(f"{call} ({target}): {reason}" if target else f"{call}: {reason}")
        self.call, self.target, self.reason = call, target, reason


class RefusedOperation(AwsError):
    """An operation outside the allow-list: a programming error, never sent."""


def allowed(service: str, operation: str) -> bool:
    return (service, operation) in ALLOWED and operation.startswith(READ_PREFIXES)


class ReadOnlyClient:
    """Calls allow-listed operations; one instance per scan (its cache lives as long)."""

    def __init__(self, settings: AwsSettings) -> None:
        self.settings = settings
        self._session: Any = None
        self._clients: dict[str, Any] = {}
        self._memo: dict[str, Any] = {}
        self._account: str | None = None
        self.region = ""
        self.calls: list[str] = []  # operations actually sent, in order (for tests and -v)

    def start(self) -> None:
        """Open the session; no credentials or no region fail here, once, before any call."""
        import boto3
        import botocore.exceptions

        try:
            self._session = boto3.session.Session(
                profile_name=self.settings.profile, region_name=self.settings.region
            )
            credentials = self._session.get_credentials()
        except botocore.exceptions.BotoCoreError as exc:
            raise AwsError("session", self.settings.profile or "", str(exc)) from None
        if credentials is None:
            reason = "no credentials (AWS_PROFILE, environment, shared files or instance role)"
            raise AwsError("session", "", reason)
        self.region = self._session.region_name or ""
        if not self.region:
            raise AwsError("session", "", "no region (--aws-region, AWS_REGION or the profile)")

    def call(self, service: str, operation: str, target: str = "", **params: Any) -> Any:
        """The response of an allowed operation, all pages merged, from the cache if known."""
        if not allowed(service, operation):
            raise RefusedOperation(f"{service}:{operation}", target, "not a read-only operation")
        key = json.dumps([service, operation, params], sort_keys=True, default=str)
        if key not in self._memo:
            self._memo[key] = self._cached(service, operation, target, params, key)
        return self._memo[key]

    def account(self) -> str:
        if self._account is None:
            identity = self.call("sts", "GetCallerIdentity")
            self._account = str(identity.get("Account", ""))
        return self._account

    def _cached(self, service: str, operation: str, target: str, params: Any, key: str) -> Any:
        directory = self.settings.cache_dir
        if directory is None or (service, operation) == ("sts", "GetCallerIdentity"):
            return self._send(service, operation, target, params)
        digest = hashlib.sha256(f"{self.account()}|{self.region}|{key}".encode()).hexdigest()
        path = Path(directory) / f"aws-{digest}.json"
        stored = _read_entry(path, self.settings.cache_ttl)
        if stored is not None:
            return stored
        response = self._send(service, operation, target, params)
        _write_entry(path, response)
        return response

    def _send(self, service: str, operation: str, target: str, params: Any) -> Any:
        import botocore.exceptions

        name = f"{service}:{operation}"
        self.calls.append(name)
        try:
            return _plain(self._pages(service, operation, params))
        except botocore.exceptions.ClientError as exc:
            error = exc.response.get("Error", {})
            reason = f"{error.get('Code', 'error')}: {error.get('Message', '')}".rstrip(": ")
            raise AwsError(name, target, reason) from None
        except (botocore.exceptions.BotoCoreError, OSError) as exc:
            raise AwsError(name, target, str(exc) or type(exc).__name__) from None

    def _pages(self, service: str, operation: str, params: Any) -> dict[str, Any]:
        import botocore

        client = self._client(service)
        method = botocore.xform_name(operation)
        if not client.can_paginate(method):
            response: dict[str, Any] = getattr(client, method)(**params)
            return response
        merged: dict[str, Any] = {}
        for page in client.get_paginator(method).paginate(**params):
            for key, value in page.items():
                if isinstance(value, list):
                    merged.setdefault(key, []).extend(value)
                else:
                    merged[key] = value
        return merged

    def _client(self, service: str) -> Any:
        if service not in self._clients:
            from botocore.config import Config

            config = Config(
                connect_timeout=self.settings.connect_timeout,
                read_timeout=self.settings.read_timeout,
                retries={"mode": "standard", "max_attempts": 4},
            )
            endpoint = {"endpoint_url": self.settings.endpoint_url}
            self._clients[service] = self._session.client(
                service, config=config, **(endpoint if self.settings.endpoint_url else {})
            )
        return self._clients[service]


def _plain(response: dict[str, Any]) -> Any:
    """JSON data only (timestamps become text), without the transport metadata: the same
    shape whether it came from AWS or from the on-disk cache."""
    body = {k: v for k, v in response.items() if k != "ResponseMetadata"}
    return json.loads(json.dumps(body, default=str))


def _read_entry(path: Path, ttl: int) -> Any:
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(entry, dict) or not isinstance(entry.get("time"), (int, float)):
        return None
    if time.time() - entry["time"] > ttl:
        return None
    return entry.get("response")


def _write_entry(path: Path, response: Any) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(json.dumps({"time": time.time(), "response": response}), "utf-8")
        temporary.replace(path)
    except OSError:
        pass  # a cache that cannot be written only costs speed
