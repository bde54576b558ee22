"""The AWS network model and its internet-exposure analysis (DESIGN.md section 5).

``workload_exposure(graph, node)`` is the entry point for rules: it builds the network of
the node's root module once per scan (kept on ``graph.graph``) and returns the node's
verdicts. The rest are pure functions over that model.
"""

from iacscan.graph.network.exposure import Verdict, exposure, workload_exposure
from iacscan.graph.network.model import AwsNetwork, build_network, network_of

__all__ = ["AwsNetwork", "Verdict", "build_network", "exposure", "network_of", "workload_exposure"]
