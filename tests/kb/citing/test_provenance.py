import pytest

from kb import standards
from kb.citing.provenance import confirm_source
from kb.errors import Conflict
from kb.errors import InvalidInput
from kb.models import AuditEntry
from tests.factories import make_standard


def test_a_confirmed_source_makes_the_figure_verified_once(session):
    standards.write(session, make_standard(source="https://example.edu.cn/a.html"))
    assert standards.is_verified(standards.get(session, "QP-CQ-0012")) is False

    version = confirm_source(
        session, "QP-CQ-0012", address="https://www.shqp.gov.cn/a.html", actor="system"
    )

    assert standards.is_verified(version) is True
    assert version.source == "https://example.edu.cn/a.html ; https://www.shqp.gov.cn/a.html"
    assert session.query(AuditEntry).filter_by(action="standard.source_confirm").count() == 1
    with pytest.raises(Conflict):
        confirm_source(
            session, "QP-CQ-0012", address="https://www.shqp.gov.cn/a.html", actor="system"
        )


def test_a_repost_or_an_example_cannot_be_confirmed(session):
    standards.write(session, make_standard())
    standards.write(session, make_standard(code="QP-CQ-0099", illustrative=True))

    with pytest.raises(InvalidInput, match="gov.cn"):
        confirm_source(session, "QP-CQ-0012", address="https://example.com/a", actor="system")
    with pytest.raises(InvalidInput, match="示例数据"):
        confirm_source(session, "QP-CQ-0099", address="https://www.shqp.gov.cn/a", actor="system")
