"""The API under /api/v1/ (django-ninja; OpenAPI at /api/v1/openapi.json, docs at /api/v1/docs).
Routers live with their apps (accounts/api.py, registry/api.py) and are added here."""

from ninja import NinjaAPI

api = NinjaAPI(title="Xiaokang API", version="1", urls_namespace="api")
