"""The resource graph and the analyses over it."""
