"""``enrich``: read what the configuration points at and put it into the model.

1. Literal ids in managed resources (``subnet_id = "subnet-0abc..."``) and data sources that
   look infrastructure up (evaluated with their filters, in dependency order) say what to
   read; ``Reader`` reads them and what they drag in.
2. Every record becomes an ``existing`` Resource of each root module that points at AWS.
3. References are rewritten: a literal id or a data source's ``id`` becomes a Ref to the
   existing resource (the graph and the network model join by Ref); other data source
   attributes take their values. What could not be read becomes an Unknown that names the
   call and the reason, so affected results stay UNDETERMINED and say why.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from iacscan.aws.client import AwsError, ReadOnlyClient
from iacscan.aws.convert import address_of, convert
from iacscan.aws.datasources import ACCOUNT_TYPES, LOOKUPS, account_values, filled, look_up
from iacscan.aws.ecr import EcrReader, attributes, repository_of
from iacscan.aws.readers import Reader, kind_of, raise_if_global
from iacscan.aws.settings import AwsSettings
from iacscan.model import Resource, ScanError
from iacscan.model.values import Ref, Unknown

WHERE = "--aws-context"
Key = tuple[str, str]  # (root, address)


@dataclass
class DataResults:
    """Per data source: its kind and ids (a lookup), values (account data) or a reason."""

    ids: dict[Key, tuple[str, list[str], bool]] = field(default_factory=dict)
    values: dict[Key, dict[str, Any]] = field(default_factory=dict)
    failed: dict[Key, str] = field(default_factory=dict)
    ecr: EcrReader | None = None
    ecr_failed: dict[str, str] = field(default_factory=dict)  # repository ARN -> reason


def enrich(
    resources: list[Resource], settings: AwsSettings
) -> tuple[list[Resource], list[ScanError]]:
    client = ReadOnlyClient(settings)
    reader, data = Reader(client), DataResults(ecr=EcrReader(client))
    literal = sorted({ident for _, _, ident in _literals(resources)})
    try:
        client.start()
        reader.read(literal)
        _read_repositories(resources, data)
        _resolve_data(reader, resources, data)
        reader.read(sorted({i for _, ids, _ in data.ids.values() for i in ids}))
        reader.settle()
    except AwsError as error:  # no credentials, expired token, endpoint unreachable
        reader.records.clear()
        reader.failed = dict.fromkeys(literal, str(error))
        data.ids.clear()
        data.failed = {k: str(error) for k in _data_keys(resources)}
        return _rewrite(resources, reader, data), [ScanError(WHERE, 0, str(error), "aws")]
    errors = _errors(resources, reader, data)
    return _rewrite(resources, reader, data) + _existing(resources, reader, data), errors


def _literals(
    resources: list[Resource], match: Any = kind_of
) -> Iterator[tuple[Resource, str, str]]:
    """(resource, attribute path, value) for every literal EC2 id (or what ``match``
    accepts) in managed resources."""
    for resource in resources:
        if resource.mode == "managed":
            for path, value in _strings(resource.attrs, ""):
                if match(value):
                    yield resource, path, value


def _read_repositories(resources: list[Resource], data: DataResults) -> None:
    """ECR repositories named by a literal ARN (a policy's ``Resource``, a replication rule)."""
    assert data.ecr is not None
    for arn in sorted({value for _, _, value in _literals(resources, repository_of)}):
        registry, name = repository_of(arn) or ("", "")
        try:
            data.ecr.repository(name, registry, arn)
        except AwsError as error:
            raise_if_global(error)
            data.ecr_failed[arn] = str(error)


def _ecr_data(resource: Resource, data: DataResults) -> dict[str, Any] | str | None:
    """``data "aws_ecr_repository"``: its computed attributes, or why it could not be read."""
    name, registry = resource.attrs.get("name"), resource.attrs.get("registry_id")
    if not isinstance(name, str) or not isinstance(registry, (str, type(None))):
        return None
    assert data.ecr is not None
    try:
        return attributes(data.ecr.repository(name, registry, resource.address))
    except AwsError as error:
        raise_if_global(error)
        return str(error)


def _strings(value: Any, path: str) -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _strings(item, f"{path}.{key}" if path else str(key))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _strings(item, f"{path}[{i}]")


def _data_keys(resources: list[Resource]) -> list[Key]:
    return [
        (r.root, r.address)
        for r in resources
        if r.mode == "data" and (r.type in LOOKUPS or r.type in OTHER_TYPES)
    ]


OTHER_TYPES = (*ACCOUNT_TYPES, "aws_ecr_repository")


def _resolve_data(reader: Reader, resources: list[Resource], data: DataResults) -> None:
    """Read data sources whose arguments are known, again and again: one's result may be
    another's argument (``vpc_id = data.aws_vpc.main.id``)."""
    pending = {
        (r.root, r.address): r
        for r in resources
        if (r.root, r.address) in set(_data_keys(resources))
    }
    progress = True
    while pending and progress:
        progress = False
        for key, resource in sorted(pending.items()):
            current = replace(
                resource,
                attrs=_substitute(resource.attrs, resource.root, reader, data, literals=False),
            )
            if current.type in ACCOUNT_TYPES:
                result: Any = account_values(reader, current)
            elif current.type == "aws_ecr_repository":
                result = _ecr_data(current, data)
            else:
                result = look_up(reader, current)
            if result is None:
                continue
            del pending[key]
            progress = True
            if isinstance(result, str):
                data.failed[key] = result
            elif isinstance(result, dict):
                data.values[key] = result
            else:
                kind, ids = result
                many = LOOKUPS[resource.type].many
                data.ids[key] = (kind, ids, many)
                record = reader.records[ids[0]][1] if ids and not many else {}
                data.values[key] = filled(kind, ids, many, _shape(reader, kind, ids, record))


def _shape(reader: Reader, kind: str, ids: list[str], record: dict[str, Any]) -> dict[str, Any]:
    """Terraform-shaped attributes of a looked-up record, ids kept literal."""
    if not record:
        return {}
    return convert(kind, ids[0], record, lambda v: v, "")[0].attrs


def _link(reader: Reader, value: Any) -> Any:
    if isinstance(value, str) and value in reader.records:
        kind, record = reader.records[value]
        return Ref(address_of(kind, record, value), "id")
    return value


def _substitute(
    value: Any, root: str, reader: Reader, data: DataResults, literals: bool = True
) -> Any:
    if isinstance(value, str):
        if literals and value in reader.records:
            return _link(reader, value)
        if literals and value in reader.failed:
            return Unknown(f"{value}: {reader.failed[value]}")
        return value
    if isinstance(value, Ref):
        return _data_value(value, root, reader if literals else None, data)
    if isinstance(value, dict):
        return {k: _substitute(v, root, reader, data, literals) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, root, reader, data, literals) for v in value]
    return value


def _data_value(ref: Ref, root: str, reader: Reader | None, data: DataResults) -> Any:
    """A data source attribute: its value; for ids a Ref to the existing resource (plain
    ids when ``reader`` is None: another data source's filter needs the id itself)."""
    key = (root, ref.address)
    if key in data.failed:
        return Unknown(f"{ref.address}: {data.failed[key]}", frozenset({ref}))
    if key in data.ids:
        _, ids, many = data.ids[key]
        if ref.attribute == "ids" and many:
            return [_link(reader, i) if reader else i for i in ids]
        if ref.attribute == "id" and not many:
            return _link(reader, ids[0]) if reader else ids[0]
    values = data.values.get(key, {})
    return values.get(ref.attribute, ref)


def _rewrite(resources: list[Resource], reader: Reader, data: DataResults) -> list[Resource]:
    rewritten = []
    for resource in resources:
        key = (resource.root, resource.address)
        if resource.mode == "managed":
            attrs = _substitute(resource.attrs, resource.root, reader, data)
            rewritten.append(replace(resource, attrs=attrs))
        elif key in data.values:
            rewritten.append(replace(resource, attrs={**resource.attrs, **data.values[key]}))
        else:
            rewritten.append(resource)
    return rewritten


def _existing(resources: list[Resource], reader: Reader, data: DataResults) -> list[Resource]:
    """Every record, in every root module that points at AWS."""
    roots = {r.root for r, _, _ in _literals(resources)} | {root for root, _ in data.ids}
    roots |= {r.root for r, _, _ in _literals(resources, repository_of)}
    roots |= {root for root, _ in data.values}
    found: list[Resource] = []
    for root in sorted(roots):
        for ident, (kind, record) in sorted(reader.records.items()):
            found += convert(kind, ident, record, lambda v: _link(reader, v), root)
        found += data.ecr.resources(root) if data.ecr is not None else []
    return found


def _errors(resources: list[Resource], reader: Reader, data: DataResults) -> list[ScanError]:
    """One error per id that could not be read, at its first mention; one per data source."""
    errors, seen = [], set()
    for resource, path, ident in _literals(resources):
        if ident in reader.failed and ident not in seen:
            seen.add(ident)
            where = resource.location_of(path)
            errors.append(ScanError(where.file, where.line, f"aws: {reader.failed[ident]}", "aws"))
    for resource, path, arn in _literals(resources, repository_of):
        if arn in data.ecr_failed and arn not in seen:
            seen.add(arn)
            where = resource.location_of(path)
            errors.append(ScanError(where.file, where.line, f"aws: {data.ecr_failed[arn]}", "aws"))
    for resource in resources:
        reason = data.failed.get((resource.root, resource.address))
        if reason:
            where = resource.location
            errors.append(ScanError(where.file, where.line, f"aws: {reason}", "aws"))
    return errors
