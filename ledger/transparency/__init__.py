"""Transparency: the Merkle log, checkpoints and the person index."""
