from xiaokang.audit.services import recorded_client


class AuditClientMiddleware:
    """Every audit event written while serving a request records the client's address (MLPS audit
    records: who, when, from where; U11). Behind a reverse proxy, have the proxy set REMOTE_ADDR.
    Services never pass an address to ``log_action``: this is the one place it is set."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with recorded_client(request.META.get("REMOTE_ADDR") or ""):
            return self.get_response(request)
