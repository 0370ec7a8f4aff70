"""Registry-wide settings (`registries/config.yaml`): deadlines and publication rules."""

from __future__ import annotations

from datetime import date as Day

from shuangsuiji.registry.models.base import Record, public


class Deadline(Record):
    key: str = public("节点编号")
    what: str = public("工作内容")
    due: Day = public("截止日期")
    level: str = public("适用层级", default="市级")


class SiteConfig(Record):
    """What the shell of every page shows (政府网站发展指引: footer items, 找错 channel).

    The defaults are the example's placeholders and say so (（示例）): a real site sets every one.
    """

    title: str = public("网站名称", default="临沂市“双随机、一公开”监管信息公示")
    authority: str = public("主办单位", default="临沂市推进政府职能转变领导小组办公室")
    organizer: str = public("承办单位", default="临沂市大数据局（示例）")
    phone: str = public("联系电话（网站办公室）", default="0539-0000000（示例）")
    email: str = public("电子邮箱（网站办公室）", default="ssj@example.gov.cn（示例）")
    site_code: str = public("网站标识码", default="3713000000（示例）")
    icp: str = public("ICP备案号", default="鲁ICP备00000000号（示例）")
    police: str = public("公安机关备案号", default="鲁公网安备 37130202000000号（示例）")
    party_mark_url: str = public("党政机关网站标识 核验地址（标识图片由注册机构发放，替换 site_config/assets/dzjg.svg）",
                                 default="https://bszs.conac.cn/")
    error_report_url: str = public("我为政府网站找错 地址",
                                   default="https://zfwzzc.www.gov.cn/check_web/errorInfo_querySiteInfo.action"
                                           "?siteCode=3713000000")
    base_url: str = public("网站地址", default="https://example.gov.cn/ssj/")


class RegistryConfig(Record):
    site: SiteConfig = public("网站", default_factory=SiteConfig)
    city: str = public("城市区划代码", default="371300", pattern=r"^\d{6}$")
    publish_within_working_days: int = public("结果公示时限（工作日）", default=20, ge=1)
    abnormal_list_within_working_days: int = public("列入经营异常名录时限（工作日）", default=10, ge=1)
    deadlines: list[Deadline] = public("工作节点", default_factory=list)
