"""The service layer: use cases as plain functions over a unit of work, returning plain data."""
