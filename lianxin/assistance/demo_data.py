"""What the demo's assistance is made of: the programmes a company runs, families' situations, the
words of visits and follow-ups. Plain data; `demo/` builds with it through the services, and
`bench/scale_assistance.py` takes the programmes from here too.
"""

from __future__ import annotations

from decimal import Decimal

from .models import Level, Period, ProgrammeKind, SchoolLevel

# (code, name, kind, fields): the programmes of a secondary company's union, paying from its relief fund.
PROGRAMMES: list[tuple[str, str, str, dict]] = [
    ("liangjie", "两节送温暖", ProgrammeKind.FESTIVAL_VISIT, {
        "description": "元旦、春节期间走访慰问在档困难职工家庭,送去慰问金。",
        "standard_amount": Decimal("1000.00"), "min_amount": Decimal("500.00"), "max_amount": Decimal("3000.00"),
        "requires_file": True, "period": Period.YEAR, "once_per_period": True, "follow_up_days": 30,
    }),
    ("zoufang", "日常走访慰问", ProgrammeKind.ROUTINE_VISIT, {
        "description": "工会干部日常入户走访困难职工,了解情况,送去慰问金。",
        "standard_amount": Decimal("500.00"), "min_amount": Decimal("200.00"), "max_amount": Decimal("1000.00"),
        "requires_file": True, "period": Period.QUARTER, "once_per_period": True, "follow_up_days": 30,
    }),
    ("dabing", "大病救助", ProgrammeKind.SERIOUS_ILLNESS, {
        "description": "职工本人或直系亲属患重大疾病,医保报销后自付部分负担过重的,给予救助。",
        "min_amount": Decimal("1000.00"), "max_amount": Decimal("20000.00"),
        "cap_per_person_year": Decimal("30000.00"), "approval_threshold": Decimal("10000.00"),
        "requires_file": False, "period": Period.YEAR, "once_per_period": False, "follow_up_days": 60,
    }),
    ("zhuxue", "金秋助学", ProgrammeKind.SCHOOL_AID, {
        "description": "资助困难职工家庭子女上学,按学段发放助学金。",
        "amounts_by_school_level": {
            SchoolLevel.JUNIOR: "800.00", SchoolLevel.SENIOR: "1500.00",
            SchoolLevel.COLLEGE: "3000.00", SchoolLevel.POSTGRADUATE: "3000.00",
        },
        "cap_per_household_year": Decimal("6000.00"),
        "requires_file": True, "period": Period.YEAR, "once_per_period": False, "follow_up_days": 90,
    }),
    ("yingji", "应急救助", ProgrammeKind.EMERGENCY, {
        "description": "遭遇火灾、水灾、交通事故等突发变故,生活一时陷入困境的,给予应急救助。",
        "min_amount": Decimal("500.00"), "max_amount": Decimal("5000.00"),
        "cap_per_household_year": Decimal("10000.00"),
        "requires_file": False, "period": Period.YEAR, "once_per_period": False, "follow_up_days": 30,
    }),
    ("xiasong", "夏送清凉", ProgrammeKind.IN_KIND, {
        "description": "高温季节为一线职工送去防暑降温物品(十送之一)。",
        "standard_amount": Decimal("150.00"),
        "requires_file": False, "period": Period.YEAR, "once_per_period": True, "follow_up_days": 0,
    }),
]  # fmt: skip

IN_KIND_GOODS = "绿豆、白糖、藿香正气水、毛巾"

LOCAL_STANDARD = Decimal("920.00")
"""The city's minimum-living standard per head per month (唐山市城市低保, fictional figure)."""

# (level, causes, situation template): {n} household size, {illness}, {school}…
SITUATIONS: list[tuple[str, tuple[str, ...], str]] = [
    (Level.DEEP, ("serious_illness", "low_income"),
     "爱人患{illness},常年透析,每月自付医药费两千多元,家里只有本人一份工资,孩子还在上学。"),
    (Level.DEEP, ("disability", "spouse_unemployed"),
     "本人因工致残后转岗,收入下降;爱人无固定工作,在家照顾瘫痪在床的老人。"),
    (Level.DEEP, ("single_parent", "children_in_school"),
     "离异后独自抚养两个孩子,老大在读{school},老二上初中,房贷每月一千八。"),
    (Level.RELATIVE, ("children_in_school", "low_income"),
     "孩子考上{school},学费住宿费一年一万多,爱人在超市打零工,收入不稳定。"),
    (Level.RELATIVE, ("spouse_unemployed",),
     "爱人所在企业破产后一直没有找到工作,一家{n}口靠本人工资生活,老人常年吃药。"),
    (Level.RELATIVE, ("serious_illness",),
     "父亲脑出血后偏瘫,需要长期康复治疗,母亲没有退休金,本人每月要负担老人的医药费。"),
    (Level.ACCIDENT, ("disaster",),
     "家住{village},汛期房屋进水,家具电器全部损坏,一家{n}口暂住亲戚家。"),
    (Level.ACCIDENT, ("accident", "serious_illness"),
     "本人下班途中遭遇车祸,住院三个月,对方无力赔偿,家中积蓄已经用完。"),
    (Level.ACCIDENT, ("serious_illness",),
     "孩子查出{illness},在北京住院治疗,已花费三十多万元,借了不少外债。"),
]  # fmt: skip

ILLNESSES = ["尿毒症", "白血病", "肺癌", "乳腺癌", "脑出血后遗症", "严重的心脏病"]
SCHOOLS = ["河北工业大学", "华北理工大学", "燕山大学", "唐山职业技术学院", "河北师范大学"]
VILLAGES = ["丰南区黄各庄镇", "滦南县胡各庄镇", "古冶区卑家店", "迁安市杨店子镇", "乐亭县汤家河镇"]
STREETS = ["路北区龙泽南路", "路南区新华西道", "开平区开平大街", "丰润区曹雪芹大街", "古冶区林西南街"]

REASONS = {
    ProgrammeKind.FESTIVAL_VISIT: "春节前走访慰问在档困难职工,送去慰问金。",
    ProgrammeKind.ROUTINE_VISIT: "入户走访了解家庭近况,送去慰问金。",
    ProgrammeKind.SERIOUS_ILLNESS: "{who}患{illness}住院治疗,医保报销后自付部分较多,申请大病救助。",
    ProgrammeKind.SCHOOL_AID: "子女在读{level},家庭负担较重,申请金秋助学。",
    ProgrammeKind.EMERGENCY: "{event},家庭生活一时困难,申请应急救助。",
    ProgrammeKind.IN_KIND: "高温季节为一线职工送清凉。",
}
WHO = ["本人", "爱人", "父亲", "母亲", "孩子"]
EMERGENCIES = ["家中失火,衣物家具烧毁", "汛期房屋进水受损", "爱人遭遇交通事故住院", "老人突发脑梗住院"]

VISIT_NOTES = [
    "入户走访,了解老人病情和孩子上学情况,叮嘱有困难及时和工会联系。",
    "到家中看望,爱人病情稳定,正在康复,家里收拾得很干净,精神状态不错。",
    "电话预约后入户,了解到孩子开学需要的费用,已告知可以申请金秋助学。",
    "陪同到医院看望住院的家属,和主治医生了解了后续治疗方案。",
    "走访时职工反映爱人想找一份工作,已联系街道就业服务站推荐岗位。",
]
NEEDS = [
    "",
    "",
    "希望帮助爱人找一份稳定的工作。",
    "孩子明年上大学,学费还没有着落。",
    "老人需要长期康复,想了解大病救助的政策。",
]
FOLLOW_UP_NOTES = [
    "回访时职工表示慰问金已收到,用于支付了医药费,感谢工会的关心。",
    "帮扶资金已到位,孩子已经按时报到入学。",
    "救助金已收到,家里的生活基本恢复正常。",
    "慰问金已收到,老人的药费有了着落。",
]
RETURN_REASONS = ["请补充医院的费用清单和医保报销单。", "金额超出本项目标准,请按标准重新填写。"]
VOID_REASONS = ["职工所在单位已通过其他渠道救助,本次不再申请。"]
REVERSE_REASONS = ["银行退票:收款账户已销户,款项退回,重新核实账户后再发放。"]

DONORS = [
    ("燕钢股份公司机关全体党员", False),
    ("炼钢厂全体职工", False),
    ("河北某钢材贸易有限公司", False),
    ("热轧厂工会", False),
    ("", True),
    ("张建国", False),
    ("李秀英", False),
    ("冷轧厂全体职工", False),
    ("", True),
    ("能源动力厂工会", False),
]
COMPANY_DONORS = [("{company}机关全体职工", False), ("", True)]
"""The other companies' donors to their 金秋助学 campaigns ({company}: the company's short name)."""
