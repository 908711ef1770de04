"""Reporters: one module per output format, each declared through the ``confcheck_reporters`` hook."""
