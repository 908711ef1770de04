"""The lab: a simulated Cisco collaboration deployment on loopback, for the demo, the tests and you."""
