"""Registry-wide settings (`registries/config.yaml`): deadlines and publication rules."""

from __future__ import annotations

import re
from datetime import date as Day

from shuangsuiji.registry.models.base import DIVISION_PATTERN, Level, Record, public

# The milestones the registry holds evidence for (see analysis/progress.py); a deadline's key is
# `<year>-<milestone>`, e.g. 2017-liaison, 2026-plan. zh label, en gloss.
MILESTONES = {
    "liaison": ("报送工作联络表（附件5）", "liaison table filed"),
    "submit": ("报送清单、两库、实施细则", "item list and directories submitted"),
    "publish": ("公布随机抽查事项清单", "item list published"),
    "rules": ("公布实施细则", "implementing rules published"),
    "plan": ("报备年度抽查计划", "annual plan filed"),
    "lists": ("清单动态调整", "item list reviewed"),
    "tasks": ("完成年度抽查任务并按时公示结果", "year's tasks done, results published on time"),
}
_KEY = re.compile(r"^(\d{4})-([a-z]+)$")


def milestone_key(key: str) -> tuple[int, str] | None:
    """(year, milestone) of a deadline key, or None when it is not in the vocabulary."""
    m = _KEY.match(key)
    return (int(m[1]), m[2]) if m and m[2] in MILESTONES else None


class Deadline(Record):
    key: str = public("节点编号", pii_free=True, description="年份-节点，如 2017-liaison；节点：" + "、".join(MILESTONES))
    what: str = public("工作内容")
    due: Day = public("截止日期")
    level: Level | None = public("适用层级（不填则市级、县级均适用）", default=None)


class SiteConfig(Record):
    """What the shell of every page shows (政府网站发展指引: footer items, 找错 channel).

    The defaults are the example's placeholders and say so (（示例）): a real site sets every one.
    """

    title: str = public("网站名称", pii_free=True, default="临沂市“双随机、一公开”监管信息公示")
    authority: str = public("主办单位", pii_free=True, default="临沂市推进政府职能转变领导小组办公室")
    organizer: str = public("承办单位", pii_free=True, default="临沂市大数据局（示例）")
    # The office's own contacts, public by nature: a landline with its area code (never a person's mobile).
    phone: str = public("联系电话（网站办公室固定电话，带区号，如 0539-8123456）", pii_free=True,
                        default="0539-0000000（示例）", pattern=r"^0\d{2,3}-\d{7,8}")
    email: str = public("电子邮箱（网站办公室公共邮箱）", pii_free=True, default="ssj@example.gov.cn（示例）")
    site_code: str = public("网站标识码", pii_free=True, default="3713000000（示例）")
    icp: str = public("ICP备案号", pii_free=True, default="鲁ICP备00000000号（示例）")
    police: str = public("公安机关备案号", pii_free=True, default="鲁公网安备 37130202000000号（示例）")
    party_mark_url: str = public("党政机关网站标识 核验地址（标识图片由注册机构发放，替换 site_config/assets/dzjg.svg）",
                                 pii_free=True, default="https://bszs.conac.cn/")
    error_report_url: str = public("我为政府网站找错 地址", pii_free=True,
                                   default="https://zfwzzc.www.gov.cn/check_web/errorInfo_querySiteInfo.action"
                                           "?siteCode=3713000000")
    base_url: str = public("网站地址", pii_free=True, default="https://example.gov.cn/ssj/")


class PrivacyConfig(Record):
    """What the registry declares public although it looks like personal data."""

    org_email_domains: list[str] = public("单位邮箱域名（如 linyi.gov.cn；其地址不是个人邮箱）", pii_free=True,
                                          default_factory=list)
    public_contacts: list[str] = public("公开的单位联系方式（办公电话、办公邮箱，如 0539-8123456）", pii_free=True,
                                        default_factory=list)


class RegistryConfig(Record):
    site: SiteConfig = public("网站", default_factory=SiteConfig)
    city: str = public("城市区划代码", pii_free=True, default="371300", pattern=DIVISION_PATTERN)
    publish_within_working_days: int = public("结果公示时限（工作日）", default=20, ge=1)
    abnormal_list_within_working_days: int = public("列入经营异常名录时限（工作日）", default=10, ge=1)
    deadlines: list[Deadline] = public("工作节点", default_factory=list)
    privacy: PrivacyConfig = public("个人信息识别的例外", default_factory=PrivacyConfig)
