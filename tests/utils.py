from django.utils.html import strip_tags


def page_text(response) -> str:
    """The text a person reads on the page: tags stripped, whitespace collapsed."""
    return " ".join(strip_tags(response.content.decode()).split())
