"""The portal's pages, by concern (P2, S4, U11; docs/portal.md, docs/portal-accounts.md):

- ``public``: home, the policy guide, the screener, the status lookup (no login);
- ``account``: an applicant's registration, sign-in and sign-out;
- ``verification``: the code that links an applicant's account to the registry record;
- ``applications``: the applicant's dashboard, one application (timeline, documents, appeal);
- ``apply``: applying online for a cash policy;
- ``staff``: the person page's "Portal account" section (office code, unlink).

Views parse input, call one service or selector (``portal.applicants``, ``portal.verification``,
``portal.status``) and render (ARCHITECTURE rule 1). Applicants' pages work without JavaScript (plain
forms, 303 after a POST)."""
