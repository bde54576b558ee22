"""Expression attacks from issue 18, as Terraform sources built at test time.

Each case is one ``main.tf``: the hostile expression in ``locals`` (or a ``count``), a bucket
whose ``tags`` depend on it, and an unrelated security group open to SSH from the internet,
whose finding must survive whatever the attack does. Shared by
``tests/test_hostile_eval.py`` (outcomes) and ``benchmarks/hostile_eval.py`` (time, memory).
"""

from __future__ import annotations

VICTIM = """
resource "aws_security_group" "open_ssh_to_world" {
  name        = "bastion"
  description = "bastion"
  ingress {
    description = "ssh"
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
"""


def _doubling(name: str, seed: str, times: int) -> str:
    lines = [f'  {name}0 = "{seed}"']
    lines += [
        f'  {name}{i} = "${{local.{name}{i - 1}}}${{local.{name}{i - 1}}}"'
        for i in range(1, times + 1)
    ]
    return "\n".join(lines)


def _bucket(value: str, count: str = "") -> str:
    meta = f"  count  = {count}\n" if count else ""
    return f'resource "aws_s3_bucket" "hostile" {{\n{meta}  bucket = "hostile"\n  tags   = {{ v = {value} }}\n}}\n'


def _locals(body: str) -> str:
    return "locals {\n" + body + "\n}\n"


CASES: dict[str, str] = {
    "count_1e9": _bucket('"x"', "1000000000"),
    "count_1e6": _bucket('"x"', "1000000"),
    "count_1e999": _bucket('"x"', "1e999"),
    "count_nan": _bucket('"x"', "1e999 - 1e999"),
    "string_doubling": _locals(_doubling("s", "a" * 64, 40)) + _bucket("local.s40"),
    "replace_self": _locals(
        _doubling("s", "a" * 64, 12) + '\n  r = replace(local.s12, "a", local.s12)'
    )
    + _bucket("local.r"),
    "indent_huge": _locals(_doubling("s", "\\n", 22) + "\n  r = indent(100000, local.s22)")
    + _bucket("local.r"),
    "strrev_doubled": _locals(_doubling("s", "ab", 26) + "\n  r = strrev(local.s26)")
    + _bucket("local.r"),
    "strrev_unicode": _locals(_doubling("s", "é", 20) + "\n  r = strrev(local.s20)")
    + _bucket("local.r"),
    "nested_for": _locals(
        "  r = [for a in range(1000) : [for b in range(1000) : [for c in range(1000) : c]]]"
    )
    + _bucket("length(local.r)"),
    "int_squaring": _locals(
        "  n0 = 10\n" + "\n".join(f"  n{i} = local.n{i - 1} * local.n{i - 1}" for i in range(1, 41))
    )
    + _bucket("local.n40"),
    "int_5000_digits": _locals(f'  n = parseint("1{"0" * 5000}", 10)\n  t = "${{local.n}}"')
    + _bucket("local.t"),
    "regex_dotstar": _locals(
        _doubling("s", "a" * 50, 9) + '\n  r = regexall(".*.*.*.*=", local.s9)'
    )
    + _bucket("length(local.r)"),
    "regex_digits": _locals(
        _doubling("s", "1" * 50, 9) + '\n  r = replace(local.s9, "/\\\\d*\\\\d*\\\\d*x/", "y")'
    )
    + _bucket("local.r"),
}


def source(name: str) -> str:
    """The whole ``main.tf`` of one case: the attack first, then the untouched victim."""
    return CASES[name] + VICTIM


# Too slow for the test suite (about 2,000,000 evaluation steps), measured by the benchmark:
# eight locals just under the per-expression budget exhaust the root's budget of steps.
BENCHMARK_ONLY: dict[str, str] = {
    "root_budget": _locals(
        "\n".join(
            f"  l{i} = [for a in range(1000) : [for b in range(450) : b + {i}]]" for i in range(8)
        )
    )
    + _bucket(" + ".join(f"length(local.l{i})" for i in range(8))),
}


def any_source(name: str) -> str:
    """A case of either table, as ``source`` builds it."""
    return {**CASES, **BENCHMARK_ONLY}[name] + VICTIM
