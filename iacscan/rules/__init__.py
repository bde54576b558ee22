"""Rules: loading rulesets, the condition vocabulary, built-in checks, the engine."""
