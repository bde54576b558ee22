"""Containers inside orchestrator resources, normalized once for the rules.

``ecs`` decodes an ECS task definition's ``container_definitions`` (a JSON string in
Terraform, whatever expression produced it) into one record per container; ``kubernetes``
finds the pod spec of every Terraform ``kubernetes_*`` workload at its nesting and lists its
containers. Rules never see those shapes: views built on these modules give them one subject
per container or pod.
"""
