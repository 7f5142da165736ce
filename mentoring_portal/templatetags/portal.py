from django import template

register = template.Library()


def russian_plural(number: int, forms: str) -> str:
    """Pick the Russian plural form: «1 организация», «3 организации», «15 организаций».

    ``forms`` is "one,few,many", e.g. "организация,организации,организаций".
    """
    one, few, many = (form.strip() for form in forms.split(","))
    n = abs(int(number))
    if n % 10 == 1 and n % 100 != 11:
        return one
    if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14:
        return few
    return many


@register.filter
def ru_plural(number, forms: str) -> str:
    """``{{ count|ru_plural:"педагог,педагога,педагогов" }}`` renders «21 педагог»."""
    return f"{number} {russian_plural(number, forms)}"


@register.filter
def ru_word(number, forms: str) -> str:
    """Only the word: ``{{ count|ru_word:"педагог,педагога,педагогов" }}`` renders «педагогов» for 5."""
    return russian_plural(number, forms)


@register.simple_tag(takes_context=True)
def query_with(context, **changes) -> str:
    """The current query string with some parameters replaced: for pagination and sort links."""
    params = context["request"].GET.copy()
    for key, value in changes.items():
        if value is None or value == "":
            params.pop(key, None)
        else:
            params[key] = value
    encoded = params.urlencode()
    return f"?{encoded}" if encoded else "?"


@register.filter
def minutes(value) -> str:
    """A timedelta as Russian minutes: «15 минут», «1 минуту» (accusative, after «на»)."""
    total = int(value.total_seconds() // 60) if value else 0
    return f"{total} {russian_plural(total, 'минуту,минуты,минут')}"
