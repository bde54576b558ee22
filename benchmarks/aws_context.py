"""Start-up and run time of ``iacscan scan`` with and without ``--aws-context``.

    python benchmarks/aws_context.py [RUNS]

Prints the median wall time of RUNS (default 10) fresh processes for: ``import iacscan.cli``;
a scan of one small root module without the flag; the same scan with ``--aws-context``
against a moto server on 127.0.0.1 (started here, loopback only, fake credentials).
Needs moto (the ``test`` extra). No test asserts these timings.
"""

from __future__ import annotations

import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

MAIN_TF = """resource "aws_instance" "web" {{
  ami                    = "ami-12345678"
  instance_type          = "t3.micro"
  subnet_id              = "{subnet}"
  vpc_security_group_ids = ["{sg}"]
}}
"""


def median_seconds(command: list[str], env: dict[str, str], runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(command, env=env, capture_output=True, check=False)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def account(endpoint: str) -> tuple[str, str]:
    """A public subnet and a group open on 22, created in the moto server."""
    import boto3

    ec2 = boto3.client("ec2", region_name="eu-west-1", endpoint_url=endpoint)
    vpc = ec2.create_vpc(CidrBlock="10.0.0.0/16")["Vpc"]["VpcId"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.0.1.0/24")["Subnet"]["SubnetId"]
    table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
    ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", GatewayId=igw)
    ec2.associate_route_table(RouteTableId=table, SubnetId=subnet)
    sg = ec2.create_security_group(GroupName="ssh", Description="ssh", VpcId=vpc)["GroupId"]
    ec2.authorize_security_group_ingress(GroupId=sg, IpProtocol="tcp", FromPort=22, ToPort=22,
                                         CidrIp="0.0.0.0/0")  # fmt: skip
    return subnet, sg


def main() -> None:
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    runs = int(sys.argv[1]) if len(sys.argv) > 1 else 10
    env = dict(os.environ, AWS_ACCESS_KEY_ID="bench", AWS_SECRET_ACCESS_KEY="bench",
               AWS_DEFAULT_REGION="eu-west-1", AWS_EC2_METADATA_DISABLED="true")  # fmt: skip
    os.environ.update(env)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        env["AWS_ENDPOINT_URL"] = f"http://{host}:{port}"
        subnet, sg = account(env["AWS_ENDPOINT_URL"])
        with tempfile.TemporaryDirectory() as directory:
            (Path(directory) / "main.tf").write_text(MAIN_TF.format(subnet=subnet, sg=sg))
            scan = [sys.executable, "-m", "iacscan", "scan", directory, "--no-cache", "-q"]
            figures = {
                "import iacscan.cli": [sys.executable, "-c", "import iacscan.cli"],
                "scan": scan,
                "scan --aws-context": [*scan, "--aws-context"],
            }
            for name, command in figures.items():
                print(f"{name:<22} {median_seconds(command, env, runs) * 1000:7.0f} ms")
    finally:
        server.stop()


if __name__ == "__main__":
    main()
