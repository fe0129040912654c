"""The rows of an interchange file: the standards and the documents files report a column or a
cell the same way, because they read both through ``kb.files.rows``."""

from pathlib import Path

import pytest

from kb.documents.interchange import read_documents
from kb.errors import ImportRejected
from kb.errors import RowProblem
from kb.standards.interchange import read_standards

STANDARD_ROW = "QP-1,公共绿地养护成本定额,cost_quota,district,青浦区,城市运维,元/平方米·年,12.5"
STANDARD_HEADER = "标准编号,标准名称,标准类型,层级,地区,领域,计量单位,标准值"


def _problems(read, path: Path) -> list[RowProblem]:
    with pytest.raises(ImportRejected) as caught:
        read(path)
    return caught.value.problems


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_a_repeated_column_is_named_with_the_first_in_both_files(tmp_path):
    standards = _write(tmp_path, "s.csv", f"{STANDARD_HEADER},name\n{STANDARD_ROW},又一个名称\n")
    documents = _write(tmp_path, "d.csv", "标题,title\n甲,乙\n")

    assert _problems(read_standards, standards) == [
        RowProblem(1, "name", "与“标准名称”列重复，同一列只能出现一次")
    ]
    assert _problems(read_documents, documents) == [
        RowProblem(1, "title", "与“标题”列重复，同一列只能出现一次")
    ]


@pytest.mark.parametrize(
    ("text", "words"),
    [("\u200b", "只含空白或不可见字符"), ("河道\u202e保洁", "改变文字显示方向")],
)
def test_invisible_text_is_refused_in_both_files(tmp_path, text, words):
    standards = _write(tmp_path, "s.csv", f"{STANDARD_HEADER},备注\n{STANDARD_ROW},{text}\n")
    documents = _write(tmp_path, "d.csv", f"标题,备注\n关于河道保洁的通知,{text}\n")

    for read, path in ((read_standards, standards), (read_documents, documents)):
        (problem,) = _problems(read, path)
        assert (problem.row, problem.column) == (2, "备注")
        assert words in problem.message


def test_a_missing_required_column_is_reported_once_in_the_header(tmp_path):
    documents = _write(tmp_path, "d.csv", "文号,备注\n财行〔2016〕214号,甲\n财行〔2016〕215号,乙\n")

    assert _problems(read_documents, documents) == [RowProblem(1, "标题", "缺少必填列")]


def test_a_cell_over_the_limit_of_its_column_names_the_limit(tmp_path):
    documents = _write(tmp_path, "d.csv", f"标题,发文机关\n甲,{'财' * 201}\n")

    assert _problems(read_documents, documents) == [
        RowProblem(2, "发文机关", "长度为 201 个字符，超过上限 200 个字符")
    ]
