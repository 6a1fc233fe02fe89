"""The staff pages of the cases app, one module per concern (docs/pages.md):

- applications.py: the queue, one application (timeline, actions, notice), a new application and the
  person page's "Applications" section (S4);
- dashboard.py: the deadlines dashboard (S4); documents.py: an application's documents;
- rosters.py: the monthly payment rosters (S5); tasks.py: the outreach and review task lists (P3, R7);
- temporary.py: temporary assistance (S3);
- common.py: what several of them show (labels, the list pages' audit event, the redirect after a POST).

Views parse, call one selector or service, and render (ARCHITECTURE rule 1): no model queries and no
transactions here. Every page is ``no-store`` (the person pages' decorators)."""

# The portal shows an application's state with the staff pages' label.
from xiaokang.cases.views.common import state_label

__all__ = ["state_label"]
