"""Where each workload type sits and how it gets a public address, with AWS's defaults.

One small function per workload type turns its attributes into a ``Placement``; the exposure
analysis never looks at workload attributes itself. Defaults that are not in the code live
here: ``map_public_ip_on_launch`` false, ``publicly_accessible`` false, ``internal`` false,
``endpoint_public_access`` true with ``public_access_cidrs`` 0.0.0.0/0.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from iacscan.graph.network.model import AwsNetwork, listed
from iacscan.model import Resource
from iacscan.model.values import Unknown, is_unknown

ENGINE_PORTS = (
    ("aurora-postgresql", 5432),
    ("postgres", 5432),
    ("aurora", 3306),
    ("mysql", 3306),
    ("mariadb", 3306),
    ("oracle", 1521),
    ("sqlserver", 1433),
    ("db2", 50000),
)
FROM_SUBNET = "subnet:"  # a public-address flag that the subnet decides


@dataclass(frozen=True)
class Placement:
    """A workload's network facts. ``subnets`` empty: the default VPC; ``security_groups``
    None: no SG applies (an NLB without SGs, the EKS endpoint), empty: the VPC's default SG;
    ``listens`` None: any port; ``network_path`` False: an AWS-managed public endpoint."""

    workload: Resource
    subnets: tuple[Any, ...]
    security_groups: tuple[Any, ...] | None
    public: dict[int, Any]  # True / False / unknown / FROM_SUBNET + subnet attribute
    public_code: str = "NO_PUBLIC_ADDRESS"
    listens: tuple[tuple[Any, Any], ...] | None = None  # (protocol, port)
    sources: Any = None  # the EKS endpoint's public_access_cidrs
    network_path: bool = True


def default(value: Any, fallback: Any) -> Any:
    return fallback if value is None else value


def _ipv6(attrs: dict[str, Any]) -> Any:
    """An IPv6 address from ``ipv6_address_count``/``ipv6_addresses``, else the subnet's say."""
    count, addresses = attrs.get("ipv6_address_count"), attrs.get("ipv6_addresses")
    for value in (count, addresses):
        if is_unknown(value):
            return value
    if (isinstance(count, int) and count > 0) or addresses:
        return True
    unset = count is None and addresses is None
    return FROM_SUBNET + "assign_ipv6_address_on_creation" if unset else False


def _eni(net: AwsNetwork, r: Resource) -> Placement:
    """ENIs get a public IPv4 address only from an Elastic IP."""
    a = r.attrs
    sgs = tuple(listed(a.get("security_groups")))
    return Placement(r, (a.get("subnet_id"),), sgs, {4: r.address in net.eips, 6: _ipv6(a)})


def _instance(net: AwsNetwork, r: Resource) -> Placement:
    a = r.attrs
    blocks = [b for b in listed(a.get("network_interface")) if isinstance(b, dict)]
    blocks.sort(key=lambda b: str(b.get("device_index")))
    enis = [net.get(b.get("network_interface_id"), ("aws_network_interface",)) for b in blocks]
    eni = next((e for e in enis if e is not None), None)
    if eni is not None:  # the primary interface decides the placement
        place = _eni(net, eni)
        public = {**place.public, 4: place.public[4] or r.address in net.eips}
        return Placement(r, place.subnets, place.security_groups, public)
    sgs = listed(a.get("vpc_security_group_ids")) + listed(a.get("security_groups"))
    flag = default(a.get("associate_public_ip_address"), FROM_SUBNET + "map_public_ip_on_launch")
    v4 = True if r.address in net.eips else flag
    subnets = () if a.get("subnet_id") is None else (a["subnet_id"],)
    return Placement(r, subnets, tuple(sgs), {4: v4, 6: _ipv6(a)})


def _db(net: AwsNetwork, r: Resource) -> Placement:
    """RDS: a cluster instance inherits subnet group, SGs and port from its cluster."""
    a = r.attrs
    cluster = net.get(a.get("cluster_identifier"), ("aws_rds_cluster",))
    up = cluster.attrs if cluster is not None else {}
    group = default(a.get("db_subnet_group_name"), up.get("db_subnet_group_name"))
    subnet_group = net.get(group, ("aws_db_subnet_group",))
    if subnet_group is not None:
        subnets = tuple(listed(subnet_group.attrs.get("subnet_ids")))
    else:
        subnets = () if group is None else (group,)
    sgs = listed(default(a.get("vpc_security_group_ids"), up.get("vpc_security_group_ids")))
    engine = str(default(a.get("engine"), up.get("engine")))
    port = default(a.get("port"), up.get("port"))
    port = default(port, next((p for name, p in ENGINE_PORTS if engine.startswith(name)), None))
    listens = None if port is None else (("tcp", port),)
    public = {4: default(a.get("publicly_accessible"), False), 6: False}
    return Placement(r, subnets, tuple(sgs), public, listens=listens)


def _eks(net: AwsNetwork, r: Resource) -> Placement:
    """The public API endpoint is AWS-managed: neither SGs, NACLs nor route tables apply."""
    config = next((b for b in listed(r.attrs.get("vpc_config")) if isinstance(b, dict)), {})
    public = default(config.get("endpoint_public_access"), True)
    cidrs = default(config.get("public_access_cidrs"), ["0.0.0.0/0"])
    return Placement(
        r, (), None, {4: public, 6: False}, "ENDPOINT_PRIVATE", (("tcp", 443),), cidrs, False
    )


_LISTENER_PROTOCOLS = {"udp": ("udp",), "tcp_udp": ("tcp", "udp")}


def _lb(net: AwsNetwork, r: Resource) -> Placement:
    """ALBs always filter with SGs (the VPC default when none is given); NLBs only when given."""
    a = r.attrs
    internal = default(a.get("internal"), False)
    public = internal if is_unknown(internal) else not internal
    dual = str(a.get("ip_address_type", "")).startswith("dualstack")
    mappings = [m.get("subnet_id") for m in listed(a.get("subnet_mapping")) if isinstance(m, dict)]
    subnets = tuple(listed(a.get("subnets")) + mappings)
    sgs = tuple(listed(a.get("security_groups")))
    network = a.get("load_balancer_type") in ("network", "gateway")
    listens: list[tuple[Any, Any]] = []
    for listener in net.listeners.get(r.address, []):
        protocol = listener.attrs.get("protocol")
        names: tuple[Any, ...] = (protocol,) if is_unknown(protocol) else ("tcp",)
        names = _LISTENER_PROTOCOLS.get(str(protocol).lower(), names)
        listens.extend((name, listener.attrs.get("port")) for name in names)
    return Placement(
        r, subnets, None if network and not sgs else sgs,
        {4: public, 6: public if dual else False}, "LB_INTERNAL", tuple(listens),
    )  # fmt: skip


def _first(value: Any) -> dict[str, Any]:
    """The first configured nested block (``network_configuration``, ``vpc_config``), or {}."""
    return next((b for b in listed(value) if isinstance(b, dict)), {})


def _ecs(net: AwsNetwork, r: Resource) -> Placement:
    """awsvpc tasks get their own ENI; without ``network_configuration`` the tasks share
    their container instances' network, which the service does not name."""
    config = _first(r.attrs.get("network_configuration"))
    if not config:
        unknown = Unknown("the network of the container instances (bridge or host mode)")
        return Placement(r, (unknown,), (), {4: False, 6: False}, "NO_TASK_NETWORK")
    public = default(config.get("assign_public_ip"), False)
    sgs = tuple(listed(config.get("security_groups")))
    return Placement(r, tuple(listed(config.get("subnets"))), sgs, {4: public, 6: False})


def _launch_template(net: AwsNetwork, r: Resource) -> Resource | None:
    """The launch template of an ASG: direct, or in a mixed instances policy."""
    spec = _first(r.attrs.get("launch_template"))
    if not spec:
        mixed = _first(_first(r.attrs.get("mixed_instances_policy")).get("launch_template"))
        spec = _first(mixed.get("launch_template_specification"))
    for key in ("id", "launch_template_id", "name", "launch_template_name"):
        if spec.get(key) is not None:
            return net.get(spec[key], ("aws_launch_template",))
    return None


def _asg(net: AwsNetwork, r: Resource) -> Placement:
    """Instances of an ASG take subnets from ``vpc_zone_identifier`` (none: default
    subnets of the default VPC) and SGs and public addressing from the launch template or
    configuration; an interface block of the template wins over its top-level SGs."""
    subnets = tuple(listed(r.attrs.get("vpc_zone_identifier")))
    template = _launch_template(net, r)
    configuration = net.get(r.attrs.get("launch_configuration"), ("aws_launch_configuration",))
    if template is not None:
        a = template.attrs
        eni = _first(a.get("network_interfaces"))
        sgs = listed(eni.get("security_groups")) or listed(a.get("vpc_security_group_ids"))
        sgs += listed(a.get("security_group_names"))
        flag = eni.get("associate_public_ip_address")
    elif configuration is not None:
        sgs = listed(configuration.attrs.get("security_groups"))
        flag = configuration.attrs.get("associate_public_ip_address")
    else:
        unknown = Unknown("the launch template or configuration is not declared here")
        return Placement(r, subnets, (unknown,), {4: unknown, 6: False})
    public = default(flag, FROM_SUBNET + "map_public_ip_on_launch")
    return Placement(r, subnets, tuple(sgs), {4: public, 6: False})


def _lambda(net: AwsNetwork, r: Resource) -> Placement:
    """A function accepts no inbound connections; it matters as a lateral source only."""
    config = _first(r.attrs.get("vpc_config"))
    subnets = tuple(listed(config.get("subnet_ids")))
    sgs = tuple(listed(config.get("security_group_ids")))
    return Placement(r, subnets, sgs, {4: False, 6: False}, "NO_INBOUND", listens=())


def _grouped(net: AwsNetwork, value: Any, group_type: str) -> tuple[Any, ...]:
    """The subnets of a subnet group (DB, cache, Redshift), or the unresolved group."""
    group = net.get(value, (group_type,))
    if group is not None:
        return tuple(listed(group.attrs.get("subnet_ids")))
    return () if value is None else (value,)


CACHE_PORTS = {"redis": 6379, "valkey": 6379, "memcached": 11211}


def _cache(net: AwsNetwork, r: Resource) -> Placement:
    """ElastiCache nodes never get public addresses; they answer on the engine's port."""
    a = r.attrs
    subnets = _grouped(net, a.get("subnet_group_name"), "aws_elasticache_subnet_group")
    engine = str(default(a.get("engine"), "redis"))
    port = default(a.get("port"), CACHE_PORTS.get(engine))
    listens = None if port is None else (("tcp", port),)
    sgs = tuple(listed(a.get("security_group_ids")))
    return Placement(r, subnets, sgs, {4: False, 6: False}, listens=listens)


def _redshift(net: AwsNetwork, r: Resource) -> Placement:
    """``publicly_accessible`` defaults to true in provider 5.x (checked with a plan)."""
    a = r.attrs
    subnets = _grouped(net, a.get("cluster_subnet_group_name"), "aws_redshift_subnet_group")
    public = default(a.get("publicly_accessible"), True)
    listens = (("tcp", default(a.get("port"), 5439)),)
    sgs = tuple(listed(a.get("vpc_security_group_ids")))
    return Placement(r, subnets, sgs, {4: public, 6: False}, listens=listens)


def _mq(net: AwsNetwork, r: Resource) -> Placement:
    a = r.attrs
    public = default(a.get("publicly_accessible"), False)
    sgs = tuple(listed(a.get("security_groups")))
    return Placement(r, tuple(listed(a.get("subnet_ids"))), sgs, {4: public, 6: False})


def _search(net: AwsNetwork, r: Resource) -> Placement:
    """Without ``vpc_options`` the domain has a public endpoint that only its access
    policy guards: reachable from the whole internet on 443, like the EKS endpoint."""
    config = _first(r.attrs.get("vpc_options"))
    if not config:
        return Placement(r, (), None, {4: True, 6: False}, "IN_VPC", (("tcp", 443),), None, False)
    subnets = tuple(listed(config.get("subnet_ids")))
    sgs = tuple(listed(config.get("security_group_ids")))
    return Placement(r, subnets, sgs, {4: False, 6: False}, listens=(("tcp", 443),))


PLACERS = {
    "aws_instance": _instance,
    "aws_network_interface": _eni,
    "aws_db_instance": _db,
    "aws_rds_cluster_instance": _db,
    "aws_eks_cluster": _eks,
    "aws_lb": _lb,
    "aws_alb": _lb,
    "aws_ecs_service": _ecs,
    "aws_autoscaling_group": _asg,
    "aws_lambda_function": _lambda,
    "aws_elasticache_cluster": _cache,
    "aws_elasticache_replication_group": _cache,
    "aws_redshift_cluster": _redshift,
    "aws_mq_broker": _mq,
    "aws_opensearch_domain": _search,
    "aws_elasticsearch_domain": _search,
}
DATA_STORES = (
    "aws_db_instance",
    "aws_rds_cluster_instance",
    "aws_elasticache_cluster",
    "aws_elasticache_replication_group",
    "aws_redshift_cluster",
    "aws_mq_broker",
    "aws_opensearch_domain",
    "aws_elasticsearch_domain",
)
