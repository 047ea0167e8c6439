"""
The read-only JSON API under /api/v1/: published case studies, organisations, challenges,
countries and sources, documented by its OpenAPI schema (/api/v1/openapi.json, /api/v1/docs/).
"""
