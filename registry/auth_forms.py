from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class PortalAuthenticationForm(AuthenticationForm):
    error_messages = {
        "invalid_login": _("Неверное имя пользователя или пароль. Проверьте раскладку клавиатуры и регистр букв."),
        "inactive": _("Учётная запись отключена. Обратитесь к муниципальному координатору."),
    }
