from xiaokang.audit.services import current_client


class AuditClientMiddleware:
    """Every audit event written while serving a request records the client's address (MLPS audit
    records: who, when, from where). Behind a reverse proxy, have the proxy set REMOTE_ADDR."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        token = current_client.set((request.META.get("REMOTE_ADDR") or "")[:64])
        try:
            return self.get_response(request)
        finally:
            current_client.reset(token)
