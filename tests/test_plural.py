import pytest

from mentoring_portal.templatetags.portal import ru_plural


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        (0, "0 педагогов"),
        (1, "1 педагог"),
        (2, "2 педагога"),
        (4, "4 педагога"),
        (5, "5 педагогов"),
        (11, "11 педагогов"),
        (12, "12 педагогов"),
        (14, "14 педагогов"),
        (21, "21 педагог"),
        (22, "22 педагога"),
        (101, "101 педагог"),
        (111, "111 педагогов"),
    ],
)
def test_russian_plural_forms(number, expected):
    assert ru_plural(number, "педагог,педагога,педагогов") == expected
