"""Transports: the only code that opens sockets (TLS chains now; AXL and admin pages later)."""
