"""The built-in rulesets (YAML), installed as the package ``iacscan.rulesets``."""
