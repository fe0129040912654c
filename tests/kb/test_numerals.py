import pytest

from kb.numerals import chinese_number


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("八", 8),
        ("十", 10),
        ("十五", 15),
        ("二十", 20),
        ("一百零八", 108),
        ("两千", 2000),
        ("二〇二四", 2024),
        ("一千零一", 1001),
    ],
)
def test_chinese_number(text, number):
    assert chinese_number(text) == number
