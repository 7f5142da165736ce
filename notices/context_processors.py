from django.utils.functional import SimpleLazyObject

from .models import Notice


def unread_notices(request):
    """The menu's count of unread notices, counted only when the menu is drawn."""
    if not getattr(request, "user", None) or not request.user.is_authenticated:
        return {}
    return {
        "unread_notices": SimpleLazyObject(
            lambda: Notice.objects.filter(user=request.user, read_at__isnull=True).count()
        )
    }
