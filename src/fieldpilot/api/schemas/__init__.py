"""Pydantic request and response models of the API, separate from the domain classes."""
