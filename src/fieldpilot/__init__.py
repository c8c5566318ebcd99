"""fieldpilot: dynamic dispatch for field-service work orders."""

__version__ = "0.1.0"
