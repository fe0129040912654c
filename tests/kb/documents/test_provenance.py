import pytest

from kb.documents.provenance import is_official
from kb.documents.provenance import official_sources
from kb.documents.provenance import reposts


@pytest.mark.parametrize(
    ("address", "official"),
    [
        ("https://www.mof.gov.cn/zhengwuxinxi/a.htm", True),
        ("http://www.gov.cn/zhengce/b.htm", True),
        ("https://czj.sh.gov.cn/c.html", True),
        ("https://gov.cn/x", True),
        ("https://me.ustb.edu.cn/a.html", False),
        ("https://cn.ttkan.co/novel/1.html", False),
        ("https://gov.cn.example.com/fake", False),
        ("https://fakegov.cn/x", False),
    ],
)
def test_only_government_sites_are_the_issuers_own(address, official):
    assert is_official(address) is official


def test_sources_are_split_into_official_and_reposts():
    source = "https://5er.cn/read/1.html ; https://www.mof.gov.cn/a.htm ; 《某办法》"

    assert official_sources(source) == ["https://www.mof.gov.cn/a.htm"]
    assert reposts(source) == ["https://5er.cn/read/1.html"]
