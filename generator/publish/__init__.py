"""Publish a staged package: the gate it passes, the swap into generated/, interruptions."""
