"""Which applicant (if any) is signed in to the portal (issue 7 §2). Filled in with the applicant
accounts; until then nobody is."""


def applicant_context(request) -> dict:
    return {"applicant": None}
