"""What staff can do with portal accounts, and by whom (U11; core.capabilities)."""

from xiaokang.accounts.models import REGISTRY_READERS

CAPABILITIES = {
    # Print a verification code for a resident, unlink an account: the staff who read the registry
    # (their scope is checked per person).
    "portal_account.manage": REGISTRY_READERS,
}

MENU = ()
