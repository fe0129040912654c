import pytest

from kb.citing.marks import marks
from kb.citing.marks import version_marks
from kb.standards import get
from kb.standards import write
from tests.factories import make_standard


@pytest.mark.parametrize(
    ("status", "illustrative", "expected"),
    [
        ("in_force", False, ""),
        ("in_force", True, "【示例，不得作为依据】"),
        ("superseded", False, "【已被修订】"),
        ("repealed", True, "【示例，不得作为依据】【已废止】"),
        ("draft", False, "【草案】"),
        ("replaced", False, "【已被替代】"),
        ("amended", False, "【已修订】"),
        (None, False, ""),
        ("bogus", False, ""),
    ],
)
def test_marks(status, illustrative, expected):
    assert marks(status, illustrative) == expected


def test_version_marks(session):
    write(session, make_standard(illustrative=True))
    version = get(session, "QP-CQ-0012")

    assert version_marks(version) == "【示例，不得作为依据】"
