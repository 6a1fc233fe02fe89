"""The policy engine (P1–P3): the rules language, the policy files, the fact schema, the Python
interpreter, the SQL compiler, the one-page policy sheet and the employer (levy) decisions.

Nothing here imports Django or another Xiaokang app (only the standard library, pure third-party
libraries and the Django-free ``xiaokang.core.dates`` / ``xiaokang.core.vocabulary``); the import-linter
contract "Policy engine is Django-free" in ``pyproject.toml`` enforces it. The Django side — evaluation
runs on the database, selectors, views, API, the levy file, screening and the policy-file case runner
(``xiaokang.policies.casebook``) — lives one level up in ``xiaokang.policies``.
"""
