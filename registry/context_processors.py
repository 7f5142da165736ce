from .accounts import can_manage_accounts
from .models import scope_of


def roles(request):
    """What the navigation needs to show only what the signed-in user may use."""
    scope = scope_of(request.user)
    return {
        "scope": scope,
        "can_manage_people": scope.is_superuser or bool(scope.municipality_ids or scope.managed_organisation_ids),
        "is_coordinator": scope.is_superuser or bool(scope.municipality_ids),
        "can_manage_accounts": can_manage_accounts(request.user),
    }
