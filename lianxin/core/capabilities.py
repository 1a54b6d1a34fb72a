"""Capability codes and the roles shipped with Lianxin.

A role is a named set of capability codes. A user holds a role on an organization unit, and the
capabilities it grants cover that unit's whole subtree. The roles below are loaded by a data
migration; administrators may change them or add their own in the admin.
"""

from django.utils.translation import gettext_lazy as _

ORG_VIEW = "org.view"
ORG_MANAGE = "org.manage"
MEMBERS_VIEW = "members.view"
MEMBERS_VIEW_PERSONAL = "members.view_personal"
MEMBERS_MANAGE = "members.manage"
MEMBERS_IMPORT = "members.import"
MEMBERS_EXPORT = "members.export"
CALENDAR_MANAGE = "core.calendar_manage"
ROLES_MANAGE = "core.roles_manage"
AUDIT_VIEW = "core.audit_view"
APPEALS_VIEW = "appeals.view"
APPEALS_RECORD = "appeals.record"
APPEALS_HANDLE = "appeals.handle"
APPEALS_DELIBERATE = "appeals.deliberate"
APPEALS_SUPERVISE = "appeals.supervise"
APPEALS_EXPORT = "appeals.export"
APPEALS_PUBLISH = "appeals.publish"
APPEALS_CONFIGURE = "appeals.configure"
ASSISTANCE_VIEW = "assistance.view"
ASSISTANCE_RECORD = "assistance.record"
ASSISTANCE_APPROVE = "assistance.approve"
ASSISTANCE_PAY = "assistance.pay"
ASSISTANCE_FUNDS = "assistance.funds"
ASSISTANCE_CONFIGURE = "assistance.configure"
ASSISTANCE_EXPORT = "assistance.export"

CAPABILITIES = {
    ORG_VIEW: _("查看组织架构、阵地与覆盖情况"),
    ORG_MANAGE: _("维护组织架构、工会组织、阵地与联络员"),
    MEMBERS_VIEW: _("查看会员名册(脱敏)"),
    MEMBERS_VIEW_PERSONAL: _("查看会员完整身份证号和手机号(留痕)"),
    MEMBERS_MANAGE: _("登记、修改、调转会员"),
    MEMBERS_IMPORT: _("从 Excel 导入会员"),
    MEMBERS_EXPORT: _("导出会员名册"),
    CALENDAR_MANAGE: _("维护法定节假日与调休"),
    ROLES_MANAGE: _("分配角色"),
    AUDIT_VIEW: _("查看操作日志和个人信息访问日志"),
    APPEALS_VIEW: _("查看本范围的职工诉求"),
    APPEALS_RECORD: _("代职工登记诉求(热线、联络员、走访、信访代理)"),
    APPEALS_HANDLE: _("受理、办理、转办、答复诉求"),
    APPEALS_DELIBERATE: _("召开集中议事会,作出议事决定"),
    APPEALS_SUPERVISE: _("催办、督办,查看超期和重办诉求"),
    APPEALS_EXPORT: _("导出诉求台账"),
    APPEALS_PUBLISH: _("公开答复到员工有问有答"),
    APPEALS_CONFIGURE: _("维护诉求类别、办理时限、承办部门"),
    ASSISTANCE_VIEW: _("查看本范围的困难职工档案、帮扶和互助记录(留痕)"),
    ASSISTANCE_RECORD: _("建档、复核,登记帮扶申请、互助理赔、结对和回访"),
    ASSISTANCE_APPROVE: _("审批帮扶申请和互助理赔(不能审批自己登记的)"),
    ASSISTANCE_PAY: _("登记发放和冲正(出纳)"),
    ASSISTANCE_FUNDS: _("登记拨款、捐款、调拨,管理募捐活动"),
    ASSISTANCE_CONFIGURE: _("维护帮扶项目、困难认定标准、互助保障计划"),
    ASSISTANCE_EXPORT: _("导出帮扶统计和公示名单"),
}

_CADRE = [
    ORG_VIEW,
    ORG_MANAGE,
    MEMBERS_VIEW,
    MEMBERS_VIEW_PERSONAL,
    MEMBERS_MANAGE,
    MEMBERS_IMPORT,
    MEMBERS_EXPORT,
    APPEALS_VIEW,
    APPEALS_RECORD,
    APPEALS_HANDLE,
    APPEALS_DELIBERATE,
    APPEALS_EXPORT,
    APPEALS_PUBLISH,
    ASSISTANCE_VIEW,
    ASSISTANCE_RECORD,
    ASSISTANCE_EXPORT,
]

# code -> (Chinese name, capabilities, description)
DEFAULT_ROLES = {
    "worker": ("职工", [], "只能看到本人的记录"),
    "liaison": (
        "群众工作联络员",
        [ORG_VIEW, MEMBERS_VIEW, APPEALS_RECORD],
        "班组的联络员:第一时间知情、报告、督促",
    ),
    "cadre": ("工会干部", _CADRE, "本单位及下属单位的工会工作"),
    "chairman": (
        "工会主席",
        [
            *_CADRE,
            AUDIT_VIEW,
            APPEALS_SUPERVISE,
            APPEALS_CONFIGURE,
            ASSISTANCE_APPROVE,
            ASSISTANCE_FUNDS,
            ASSISTANCE_CONFIGURE,
        ],
        "对本单位工会工作负总责",
    ),
    "operator": ("热线接线员", [ORG_VIEW, APPEALS_RECORD], "接听维权热线,登记来电诉求"),
    "handler": ("承办部门经办人", [ORG_VIEW], "办理转交本部门的事项"),
    "leader": ("党政领导", [ORG_VIEW, MEMBERS_VIEW, APPEALS_VIEW], "阅看本单位的情况,结对帮扶"),
    "representative": ("职工代表", [ORG_VIEW], "提出提案、参加巡视"),
    "supervisor": (
        "督查人员",
        [
            ORG_VIEW,
            MEMBERS_VIEW,
            AUDIT_VIEW,
            APPEALS_VIEW,
            APPEALS_SUPERVISE,
            APPEALS_EXPORT,
            ASSISTANCE_VIEW,
            ASSISTANCE_EXPORT,
        ],
        "监督时限和帮扶资金使用",
    ),
    "treasurer": (
        "财务出纳",
        [ORG_VIEW, ASSISTANCE_VIEW, ASSISTANCE_PAY, ASSISTANCE_FUNDS],
        "登记帮扶资金的收支和发放",
    ),
    "administrator": ("系统管理员", list(CAPABILITIES), "维护系统、角色和节假日"),
}
