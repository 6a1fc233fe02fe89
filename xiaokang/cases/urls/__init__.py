"""The addresses of the cases pages, mounted by CasesConfig.url_mounts (core/mounts.py):
applications.py under /staff/applications/, work.py under /staff/work/ (docs/pages.md)."""
