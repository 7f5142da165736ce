from django.apps import AppConfig


def update_last_login_quietly(sender, user, **kwargs):
    """Django's own last-login update, without an audit record for every sign-in (axes logs those)."""
    from django.contrib.auth.models import update_last_login

    user.skip_history_when_saving = True
    try:
        update_last_login(sender, user, **kwargs)
    finally:
        del user.skip_history_when_saving


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = "Реестр"

    def ready(self):
        from django.contrib.auth import user_logged_in
        from django.contrib.auth.models import update_last_login

        user_logged_in.disconnect(update_last_login, dispatch_uid="update_last_login")
        user_logged_in.connect(update_last_login_quietly, dispatch_uid="update_last_login_quietly")

        from . import desk  # noqa: F401  (registers what of the registry waits on the home page)
