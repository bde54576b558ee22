"""The AWS network model and its internet-exposure analysis (DESIGN.md section 5).

Pure functions over that model; ``graph.facts.Facts`` builds the network of each root module
once per run and answers rules, ``explain`` and exports from it.
"""

from iacscan.graph.network.exposure import Verdict, exposure
from iacscan.graph.network.model import AwsNetwork, build_network

__all__ = ["AwsNetwork", "Verdict", "build_network", "exposure"]
