from django.utils.functional import SimpleLazyObject

from mentoring_portal.desk import Desk, fill

from .access import is_municipal, reads_areas, runs_mentoring
from .accounts import can_manage_accounts
from .desk import blocks_for


def menu_counts(request):
    """How many things wait for the user, per menu entry; the home page hands over the ones it counted."""
    counted = getattr(request, "desk_counts", None)
    if counted is not None:
        return counted
    if not request.user.is_authenticated:
        return {}
    return fill(Desk(request.user, blocks_for(request.user), full=False)).menu_counts()


def roles(request):
    """What the navigation needs to show only what the signed-in user may use."""
    return {
        "can_manage_people": runs_mentoring(request.user),
        "is_coordinator": is_municipal(request.user),
        "reads_areas": reads_areas(request.user),
        "can_manage_accounts": can_manage_accounts(request.user),
        # Lazy: counted only when the menu is drawn, a fixed number of queries per role the user holds.
        "menu_counts": SimpleLazyObject(lambda: menu_counts(request)),
    }
