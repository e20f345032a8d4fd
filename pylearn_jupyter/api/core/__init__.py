"""Configuration, security primitives, database access and mail for the API service."""
