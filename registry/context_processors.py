from .access import is_municipal, runs_mentoring
from .accounts import can_manage_accounts


def roles(request):
    """What the navigation needs to show only what the signed-in user may use."""
    return {
        "can_manage_people": runs_mentoring(request.user),
        "is_coordinator": is_municipal(request.user),
        "can_manage_accounts": can_manage_accounts(request.user),
    }
