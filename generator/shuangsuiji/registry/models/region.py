"""Regions: the county-level units of Linyi and the functional zones (GB/T 2260 or statistical codes)."""

from __future__ import annotations

from typing import Literal

from shuangsuiji.registry.models.base import DIVISION_PATTERN, Record, public


class Region(Record):
    code: str = public("区划代码", pii_free=True, pattern=DIVISION_PATTERN, description="GB/T 2260 代码；功能区用统计代码")
    name: str = public("名称", pii_free=True)
    kind: Literal["市", "市辖区", "县", "功能区"] = public("类型")
    parent: str | None = public("上级区划代码", pii_free=True, default=None, pattern=DIVISION_PATTERN)


class RegionsFile(Record):
    regions: list[Region] = public("区划列表", min_length=1)
