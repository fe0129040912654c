from decimal import Decimal

from kb import standards
from kb.standards import history
from kb.standards.history import FieldChange
from tests.factories import make_standard


def test_annotated_versions_list_the_changed_fields_with_chinese_labels(session):
    standards.write(session, make_standard())
    standards.write(session, make_standard(value=Decimal("19.20"), conditions="含苗木补植"))

    entries = history.annotated_versions(standards.find(session, "QP-CQ-0012"))

    assert [e.version for e in entries] == [1, 2]
    assert entries[1].changes == (
        FieldChange("value", "标准值", "18.50", "19.20"),
        FieldChange("conditions", "适用条件", None, "含苗木补植"),
    )
    assert FieldChange("name", "标准名称", None, "公共绿地一级养护成本定额") in entries[0].changes
