"""Texts and weights for the demo company's year of appeals (`appeals.demo` builds them).

Plain data and pure functions of a `random.Random`: no database access. Texts are composed from
templates per category, filled with the works, section and team where the appeal arose and with
numbers, amounts, months and times, so three thousand appeals read like a union office's intake and
not like copies of one another.

A template is (kinds, text, flags, department kind). `flags` are the flags the text is meant to
carry; the intake rules must find exactly those (a test checks every template), so ordinary texts
avoid the trigger words of `rules.FLAG_WORDS`. The department kind says where such a case is
usually referred ("" when the union handles it itself).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

# Categories with their share of a year's appeals (a steel group's office: pay and living
# conditions lead, as in every union's ledger).
CATEGORY_WEIGHTS = {
    "wages": 20,
    "living_conditions": 18,
    "safety": 11,
    "insurance_welfare": 9,
    "labor_relations": 8,
    "hardship": 7,
    "training_career": 6,
    "democracy": 4,
    "legal_dispute": 3,
    "mental_health": 3,
    "culture_sports": 4,
    "suggestion": 5,
    "other": 2,
}

CHANNEL_WEIGHTS = {
    "web": 30,
    "hotline": 14,
    "chairman_mailbox": 6,
    "manager_mailbox": 3,
    "liaison": 18,
    "visit": 12,
    "dialogue": 6,
    "petition": 3,
    "qa_board": 8,
}

DEPARTMENTS = [
    ("人力资源部", "hr"),
    ("安全环保部", "safety"),
    ("后勤服务中心", "logistics"),
    ("财务部", "finance"),
]
DEPARTMENT_NAME = {kind: name for name, kind in DEPARTMENTS}

C, K, H, S, M, L, N = (
    "consultation",
    "complaint",
    "help_request",
    "suggestion",
    "mediation",
    "legal_aid",
    "counselling",
)

# category -> [(kinds, text, flags, department kind)]
TEMPLATES: dict[str, list[tuple[tuple[str, ...], str, tuple[str, ...], str]]] = {
    "wages": [
        ((K, C), "{team}{month}的夜班费没有按新标准发放,工资条上还是每个夜班{small}元,去年说好涨到{small2}元,请工会帮忙问问是怎么回事。", (), "hr"),
        ((C, K), "我在{section}干了{years}年,今年{month}绩效扣款{amount}元,班组长说是车间考核,可考核细则从来没给我们看过,想问扣款依据是什么。", (), "hr"),
        ((K,), "{section}高温作业岗位今年的高温津贴一直没有见到,别的厂{month}就发了,我们{team}{n}个人都没有,能不能查一下。", (), "hr"),
        ((K, H), "{section}外包队伍的工资已经拖欠{n}个月了,我们{team}的几个外包工每月就指着这点钱养家,请工会督促承包方尽快发放。", ("arrears",), "finance"),
        ((C,), "想咨询一下,节假日加班按多少倍计算?{month}国庆值班{n}天,工资条上只按平时加班算的,差了大概{amount}元。", (), "hr"),
        ((K,), "{team}上个月检修连续加班{hours}个小时,加班费没有发,车间说要等厂里审批,已经过去{days}周了。", ("arrears",), "hr"),
        ((C, K), "岗位工资调整后,我们{team}同岗位的人工资差了{small}多元,同样是{job},为什么定级不一样?请工会帮忙解释一下岗位评定的标准。", (), "hr"),
        ((C,), "年终奖的分配方案什么时候公布?去年{section}是按班组分的,有人说今年要按个人考核,想问清楚。", (), "hr"),
    ],
    "living_conditions": [
        ((K, S), "{section}食堂晚上{hour}点以后就没有热饭了,上夜班的工友只能吃泡面,能不能延长夜班餐的供应时间?", (), "logistics"),
        ((K,), "职工宿舍{dorm}{floor}的热水器坏了{days}天,报修了两次没人来,现在天冷只能去厂区浴室洗澡,很不方便。", (), "logistics"),
        ((S, K), "{bus}通勤班车早上{time}从市区发车,到厂正好赶不上交接班,能不能提前十分钟发车,或者加一趟车?", (), "logistics"),
        ((K,), "{section}浴室的淋浴喷头坏了一半,下了班{n}十个人排队洗澡,要等半个多小时,希望尽快维修。", (), "logistics"),
        ((K, S), "{equip}旁边的休息室空调坏了两个星期,夏天高温作业下来没地方降温,希望尽快修好。", (), "logistics"),
        ((S,), "{unit}厂区{place}的停车位太少,早班的电动车和汽车停得到处都是,建议在{place}北侧划出一片停车区。", (), "logistics"),
        ((K,), "{section}更衣室的柜子不够用,新来的{n}个劳务工没有柜子,衣服只能挂在墙上,希望增加一些更衣柜。", (), "logistics"),
        ((K, S), "食堂的饭菜价格{month}涨了,一份套餐从{small}元涨到{small2}元,但分量变少了,希望后勤公开一下伙食成本。", (), "logistics"),
        ((K,), "{section}到主控楼的路上没有路灯,夜班下班的时候一片漆黑,走路看不清,希望装几盏照明灯。", (), "logistics"),
    ],
    "safety": [
        ((K, S), "{equip}的劳保手套这个季度还没发,现在大家只能自己买,一副{small}元,希望按标准及时发放劳保用品。", (), "safety"),
        ((K,), "{section}粉尘特别大,除尘器开开停停,口罩一天换好几个也不够用,请安全部门来测一下粉尘浓度。", (), "safety"),
        ((K, C), "今年的职业健康体检什么时候安排?{team}接触噪音的岗位去年就没有做听力检查。", (), "safety"),
        ((K,), "{equip}附近闻到很大的煤气味,可能有漏气,报给车间后还没人来处理,夜班就要上岗了,请马上派人检查!", ("safety_urgent",), "safety"),
        ((K,), "{equip}检修平台的护栏断了一截,{days}天了还没焊上,人在上面作业随时可能掉下去,请立即处理。", ("safety_urgent",), "safety"),
        ((S,), "建议在{equip}增加一个防滑踏板,雨雪天上下楼梯很滑,{team}已经有人摔过跤。", (), "safety"),
        ((K,), "{section}新换的安全帽质量不好,戴了一个月帽带就断,大家反映不如以前的好用,希望换个供应商。", (), "safety"),
        ((K,), "车间有人违章指挥,让我们在没有办停电票的情况下进{equip}检修,请工会过问一下。", ("safety_urgent",), "safety"),
    ],
    "insurance_welfare": [
        ((C,), "想咨询一下住房公积金的缴存基数,{month}调整后我的缴存额反而少了{small}元,是不是算错了?", (), "hr"),
        ((C,), "我爱人{month}生孩子,生育津贴怎么申请?需要准备哪些材料,找哪个部门办?", (), "hr"),
        ((K, C), "今年的疗休养名额是怎么分配的?{section}已经{years}年没有轮到一线职工了,都是机关的人去。", (), ""),
        ((C,), "企业年金的个人账户在哪里能查到?我明年退休,想知道每个月能领多少。", (), "hr"),
        ((K,), "中秋节的过节费和福利物资,劳务派遣的同事没有份,同样在{team}干活,希望一视同仁。", (), ""),
        ((C,), "去年住院自己垫付的医药费{amount}元,医保报销单交上去{n}个月了还没有结果,请帮忙催一下。", (), "hr"),
    ],
    "labor_relations": [
        ((C,), "我的劳动合同{month}到期,车间一直没说续不续签,想问问续签的流程和时间。", (), "hr"),
        ((K, C), "{section}要减员分流,说我们{team}有{n}个人要转岗到{unit2},转岗后工资怎么算?有没有培训?", (), "hr"),
        ((C,), "我是劳务派遣工,在{section}干了{years}年了,想问问有没有转为正式合同工的机会,条件是什么?", (), "hr"),
        ((K,), "我请年休假{n}天,车间以生产任务重为由一直不批,今年的年假眼看就休不成了,能不能帮忙协调一下?", (), "hr"),
        ((K, M), "车间把我从{job}岗位调到{job2},没有和我商量,也没有书面通知,工资还降了一档,这样调岗合理吗?", (), "hr"),
        ((C,), "我今年{age}岁,身体不太好,想问问内退的政策,需要满足什么条件,待遇是多少?", (), "hr"),
    ],
    "hardship": [
        ((H,), "我{relative}查出{illness},现在在市医院住院,已经花了{amount0}多万,家里积蓄都花光了,想申请困难帮扶。", (), ""),
        ((H,), "孩子今年考上了{school},学费加住宿费一年{amount}元,家里老人常年吃药,想申请金秋助学。", (), ""),
        ((H,), "我家在{village},{month}下大雨房子进水,家具电器都泡了,能不能申请一点受灾救助?", (), ""),
        ((H,), "我是单亲家庭,孩子{age2}岁,上班三班倒没人照看,想问问工会有没有困难职工子女托管或者补助。", (), ""),
        ((C, H), "我参加了职工互助保障,{month}住院{days}天,互助金的理赔需要哪些材料?", (), ""),
        ((H,), "我{relative}{illness}治疗两年了,欠了亲戚{amount0}万多,每天下班还要去医院,实在撑不下去了,不知道该怎么办。", ("distress",), ""),
    ],
    "training_career": [
        ((C,), "今年{skill}的技能等级认定什么时候报名?{team}有{n}个人想报,去年名额太少没报上。", (), "hr"),
        ((K,), "去年{contest}我拿了第{rank}名,当时说有{amount}元奖励,到现在还没有兑现。", (), "hr"),
        ((S, C), "建议在{section}开展师带徒,新来的{n}个大学生对设备不熟,光靠自己摸索太慢。", (), ""),
        ((C,), "想报名参加成人学历教育,厂里有没有学费补贴?需要签服务期吗?", (), "hr"),
        ((K,), "助理工程师职称评审的条件改了,我们一线技术员很难达到论文要求,能不能向上面反映一下?", (), "hr"),
    ],
    "democracy": [
        ((K,), "{section}的绩效考核办法改了,没有经过职工讨论就直接执行了,大家意见很大,希望按民主程序重新议一议。", (), ""),
        ((K, S), "车间评先评优每年都是那几个人,名单也不公示,希望评选结果公开,接受职工监督。", (), ""),
        ((S,), "去年职代会上我们提的关于{topic}的提案,到现在没有答复,想知道办理进度。", (), ""),
        ((K,), "厂务公开栏里{month}的奖金分配情况一直没有更新,职工想了解也查不到。", (), ""),
    ],
    "legal_dispute": [
        ((L, C), "我{month}在{equip}作业时扭伤了腰,车间不让报工伤,说让自己去医院看,这样合法吗?工伤认定怎么申请?", (), ""),
        ((L,), "我{relative}在外面打工被拖欠工资,对方一直拖,想请工会的律师帮忙看看能不能申请劳动仲裁。", ("arrears",), ""),
        ((M, L), "和车间因为调岗的事情有争议,我不同意,车间说不同意就算旷工,想申请劳动争议调解。", (), ""),
        ((L,), "工伤认定下来了,但单位对伤残等级有异议,想咨询一下工伤赔偿的计算和维权途径。", (), ""),
    ],
    "mental_health": [
        ((N,), "最近三班倒睡不好觉,经常失眠,上班注意力不集中,心里很烦躁,想找人聊聊,工会有没有心理咨询?", (), ""),
        ((N,), "孩子中考压力大,家里天天吵架,上班也静不下心,想咨询一下怎么调整情绪。", (), ""),
        ((N,), "离婚以后一个人带孩子,工作上又出了差错被考核,觉得什么都没有希望了,有时候真的不想活了。", ("distress",), ""),
        ((N, S), "建议在{unit}设一个心理咨询室,倒班的人压力大,很多话没处说。", (), ""),
    ],
    "culture_sports": [
        ((S,), "建议{unit}今年组织一次篮球赛,{section}好几个年轻人都想参加,去年的比赛因为检修取消了。", (), ""),
        ((C, S), "{section}的职工书屋很久没有更新图书了,能不能增加一些技术类和文学类的书?", (), ""),
        ((S,), "希望工会在厂区健身房增加开放时间,夜班下班后{hour}点多想去锻炼,门已经锁了。", (), ""),
        ((C,), "工会的摄影协会怎么报名?有没有活动安排?", (), ""),
    ],
    "suggestion": [
        ((S,), "建议对{equip}的润滑方式进行改进,改成集中润滑,每班能省半个小时,也减少了登高作业。", (), ""),
        ((S,), "{section}的交接班记录还是纸质的,建议改成电子台账,查起来方便,也不容易丢。", (), ""),
        ((S,), "合理化建议:{equip}的冷却水可以回收再利用,估算一年能节约水费{amount}元左右。", (), ""),
        ((S,), "建议把{section}的班前会时间从{small}分钟压缩到十分钟,内容提前发到班组群里,大家先看。", (), ""),
    ],
    "other": [
        ((C,), "我从{unit2}调到{unit},工会会员关系怎么转接?会员卡要不要重新办?", (), ""),
        ((C,), "退休以后还需要交工会会费吗?退休职工能参加哪些工会活动?", (), ""),
        ((C,), "工会会员服务卡丢了,怎么补办?", (), ""),
    ],
}  # fmt: skip

# Near-identical texts raised by several workers of one team (a collective appeal and its copies).
COLLECTIVE_TEMPLATES: list[tuple[str, str, str]] = [
    (
        "wages",
        "我们{team}全班{month}的夜班费都少发了,每人少了{small}元左右,大家都去问过车间,车间说是厂里定的。",
        "hr",
    ),
    (
        "living_conditions",
        "{section}通勤班车{month}起取消了夜班这一趟,我们{team}全班下了夜班没车回市区,大家都很有意见。",
        "logistics",
    ),
    ("wages", "{section}今年的高温津贴大家都没有拿到,我们{team}全班联名请工会帮忙问一下。", "hr"),
    (
        "safety",
        "{section}今年的劳保用品大家都还没领到,冬季防寒服也没发,我们{team}全班希望尽快发放。",
        "safety",
    ),
    ("democracy", "{section}新的考核办法没有经过职工代表讨论,我们{team}全班联名要求重新讨论。", ""),
]

DISSATISFIED = [
    "问题没有解决,只是解释了一下政策。",
    "只补了一个月,前面几个月的还没补。",
    "答复的时间太长了,而且没有说清楚以后怎么办。",
    "车间还是老样子,没有任何变化。",
    "说的和实际情况不符,请上级工会再核实一下。",
]
BASIC = ["基本解决了,希望以后能及时一些。", "解决了一部分,还可以。", "", "答复清楚,但办得有点慢。"]
SATISFIED = ["", "", "感谢工会!", "办得很快,谢谢。", "问题解决了,很满意。", "谢谢工会的帮助。"]

# Answers to the worker, by category; {dept} is the department the case went to, if any.
ANSWERS = {
    "wages": [
        "您反映的{topic}问题,工会已与{dept}核实:{month}因核算口径调整漏计了部分项目,已于{date}随工资补发,请您查看工资条。如有疑问可随时联系我们。",
        "经与{dept}核实,扣款依据是车间{month}的考核细则,考核结果已在车间公示。工会已要求车间把考核细则发到每个班组,今后扣款须当面说明。",
        "工会协调{dept}复核后确认少发属实,差额{amount}元已补发到位,感谢您的反映。",
    ],
    "living_conditions": [
        "您反映的问题已转{dept}处理,{date}已维修完毕,后勤每周会安排人员巡查。感谢您的监督。",
        "经与{dept}协商,自下月起调整为新的安排,具体时间已在厂区公告栏和班组群里通知。",
        "{dept}已派人现场查看,材料已采购,预计本周内完成整改,工会将跟踪落实。",
    ],
    "safety": [
        "接到您的反映后,{dept}当天组织现场检查,已完成整改并复查合格。工会将把此处列入每月劳动保护检查的重点。感谢您对安全生产的关心。",
        "经{dept}核实,本季度劳保用品已到货,{date}前发放到各班组。工会劳动保护监督检查员将抽查发放情况。",
        "{dept}已安排专业人员检测,结果已在车间公示,除尘设备正在检修,检修期间按规定加发防护用品。",
    ],
    "insurance_welfare": [
        "经与{dept}核实,您咨询的事项按集团现行规定办理,所需材料清单已通过短信发给您,可到{dept}一楼窗口办理。",
        "您反映的问题工会已向{dept}提出,今年起疗休养名额向一线职工倾斜,比例不低于七成,名单将在厂务公开栏公示。",
        "经核实,您的报销单已于{date}审核通过,款项将在五个工作日内打到工资卡上。",
    ],
    "labor_relations": [
        "经与{dept}核实,您所在岗位的续签工作将在合同到期前一个月启动,车间会提前书面通知您。工会将全程关注。",
        "工会已就调岗问题与车间和{dept}沟通,调岗须与本人协商一致并签订书面变更协议,车间已同意重新与您协商。",
        "相关政策及条件如下:须符合年龄和工龄要求,由本人申请、单位审批。详细文件已发给您,可到{dept}咨询。",
    ],
    "hardship": [
        "工会已入户走访了解情况,已为您申请困难职工帮扶金{amount}元,并纳入送温暖重点帮扶对象,后续将持续跟踪。",
        "金秋助学申请已受理,经审核符合条件,助学金{amount}元将于{date}前发放。祝孩子学业有成。",
        "已将您的情况列入帮扶台账,工会将协助办理互助保障理赔,材料清单已发给您,有困难随时联系我们。",
    ],
    "training_career": [
        "经与{dept}核实,今年技能等级认定将于下月开始报名,名额比去年增加,报名通知会发到各班组。",
        "竞赛奖励已核实,因财务流程延误未及时兑现,{dept}已于{date}发放,向您致歉。",
        "工会已将您的建议转车间,车间将从下月起开展师带徒结对,签订带徒协议。",
    ],
    "democracy": [
        "工会已向厂里反映,新办法将提交下次职工代表会议讨论通过后再执行,讨论前暂按原办法执行。",
        "评先评优结果今后一律在车间公示五个工作日,工会将监督落实。",
        "您关心的提案已由相关部门办理,办理结果将在下月厂务公开栏公布。",
    ],
    "legal_dispute": [
        "工会法律援助律师已与您联系,工伤认定申请须在事故发生之日起一年内提出,我们将协助您准备材料。",
        "已为您安排劳动争议调解,调解委员会将于下周召集双方调解,工会全程陪同。",
        "律师已就您的问题出具书面意见,已通过短信告知领取方式,如需代理仲裁可再联系我们。",
    ],
    "mental_health": [
        "工会心理咨询师已与您预约了面谈时间,咨询内容严格保密。平时也可拨打职工心理援助热线。",
        "已为您安排心理疏导,工会干部将定期回访,有任何需要请随时联系我们。",
        "感谢您的建议,工会正在筹建职工心灵驿站,建成后将通知各班组。",
    ],
    "culture_sports": [
        "感谢建议,工会已将活动纳入今年的文体活动计划,具体安排将在工会群里通知。",
        "职工书屋将于下月更新图书,欢迎推荐书目。",
        "已协调开放时间延长到晚上十点,感谢您的建议。",
    ],
    "suggestion": [
        "您的合理化建议已提交厂技术部门评审,评审结果和奖励将在月底公布,感谢您的建议。",
        "建议已被车间采纳,将于下月起试行,工会按合理化建议奖励办法给予奖励。",
        "感谢建议,车间正在研究可行性,有结果后将及时告知您。",
    ],
    "other": [
        "会员关系转接由调入单位工会办理,请带上会员证到{unit}工会办公室办理,当天即可办结。",
        "退休职工不再缴纳会费,可参加退休职工协会组织的各项活动,活动安排会在社区公告。",
        "会员服务卡补办已为您登记,新卡办好后会通知您领取。",
    ],
}

DEPARTMENT_ANSWERS = {
    "hr": [
        "经核查,情况属实,已通知车间更正,差额随下月工资补发。",
        "已按相关规定核实,将书面答复本人并在车间公示。",
        "相关政策已发文,已安排专人向职工解释。",
    ],
    "safety": [
        "已到现场检查,问题已整改完毕并复查合格。",
        "已责成车间限期整改,整改期间采取临时防护措施。",
    ],
    "logistics": ["已安排维修,本周内完成。", "已调整安排,下周一起执行。", "已派人现场查看并整改。"],
    "finance": ["已督促承包方支付,款项已到账。", "报销款已审核,近日拨付。"],
}

REFERRAL_NOTES = [
    "请核实并在三个工作日内回复。",
    "职工反映强烈,请尽快核实处理。",
    "请核实情况并提出处理意见。",
]
ACCEPT_NOTES = ["", "", "", "已受理,正在了解情况。", "已电话联系职工核实情况。"]
INFO_QUESTIONS = [
    "请补充具体是哪几个月,以及您所在的班次。",
    "请提供相关的单据或工资条照片,便于核实。",
    "请说明具体地点和发现的时间。",
]
INFO_ANSWERS = ["是3月到5月,我在甲班。", "工资条照片已经上传。", "在主控楼东侧,昨天夜班发现的。"]
EXTEND_REASONS = [
    "涉及多个部门协调,需要核查近半年的考勤和工资数据。",
    "需提交集中议事会研究,并征求职工代表意见。",
    "需要现场检测并等待检测报告。",
]
REJECT_REASONS = [
    "所反映的是个人与他人之间的民间借贷纠纷,不属于工会受理范围,建议通过人民调解或诉讼解决。",
    "反映的事项已经仲裁裁决,工会不再重复受理;如对裁决不服,可依法向人民法院起诉。",
    "内容过于简单,无法联系到反映人核实,暂不受理,欢迎补充后重新反映。",
]
WITHDRAW_REASONS = ["问题已经和车间说清楚了。", "已经自己解决了,谢谢。", "不需要了。"]
REMIND_NOTES = ["已超期,请抓紧办理。", "职工再次来电询问,请尽快答复。"]
SUPERVISE_NOTES = [
    "超期未办结,请于两个工作日内答复职工并报督查室。",
    "请承办单位主要负责人亲自过问,限期办结。",
]
MEETING_PLACES = ["工会会议室", "职工之家会议室", "群众工作室"]
MEETING_ATTENDEES = "工会主席、工会副主席、权益保障部部长、职工代表{n}名、相关部门负责人"
MEETING_MINUTES = (
    "{date}召开集中议事会,议题{count}件。会议逐件听取了承办人的情况汇报,职工代表发表了意见。"
    "经讨论议定:{decisions}。会议要求各承办部门按时限办理,结果向职工反馈并在厂务公开栏公示。"
)
DECISION_NOTES = {
    "self": "由工会牵头协调办理,五个工作日内答复职工。",
    "refer": "转{dept}办理,工会跟踪督办。",
    "answer": "经研究,按现行规定向职工作出解释答复。",
}

DISTRESS_REPLY = "工会关爱联系人已当天与您见面谈心,已为您预约心理咨询师,并协调车间调整班次。我们会一直陪着您,有任何困难随时打电话给我们。"
URGENT_REPLY = (
    "接到反映后,{dept}和车间安全员三十分钟内赶到现场,已停用并处置完毕,经检测合格后恢复作业。感谢您及时报告。"
)

VILLAGES = ["丰南区黄各庄镇", "滦南县胡各庄镇", "古冶区卑家店", "迁安市杨店子镇", "乐亭县汤家河镇"]
SCHOOLS = ["河北工业大学", "华北理工大学", "燕山大学", "河北师范大学", "唐山学院", "石家庄铁道大学"]
ILLNESSES = ["尿毒症", "肺癌", "脑出血", "白血病", "乳腺癌", "严重的心脏病"]
RELATIVES = ["爱人", "父亲", "母亲", "孩子"]
SKILLS = ["高级工", "技师", "高级技师", "电工中级"]
CONTESTS = ["集团天车工技能比武", "点检员技能大赛", "焊工技能比赛", "职工创新成果评比"]
TOPICS = ["夜班费", "通勤班车", "职工食堂", "浴室改造", "劳保用品发放", "倒班休息室"]
BUSES = ["1路", "2路", "3路", "5路", "7路", "夜班专线"]
PLACES = ["南门", "北门", "主控楼", "机关楼", "职工食堂"]
JOBS = ["操作工", "天车工", "点检员", "巡检工", "维修工"]
EQUIPMENT_BY_UNIT = {
    "烧结厂": ["1号烧结机", "2号烧结机", "环冷机平台", "配料室"],
    "焦化厂": ["3号焦炉", "推焦车轨道", "干熄焦提升机", "鼓冷工段"],
    "炼铁厂": ["1号高炉出铁场", "2号高炉炉顶", "热风炉平台", "3号高炉风口平台"],
    "炼钢厂": ["1号转炉", "2号转炉平台", "3号连铸机", "精炼LF炉", "RH真空炉", "混铁炉"],
    "热轧厂": ["加热炉出钢口", "粗轧机", "卷取机", "精轧F3机架"],
    "冷轧厂": ["酸洗线", "连退炉", "镀锌锌锅", "平整机"],
    "能源动力厂": ["2号煤气柜", "加压站", "制氧机组", "3号变电所"],
}
DEFAULT_EQUIPMENT = ["2号天车", "主控楼楼梯", "检修平台", "皮带通廊", "机加工车间行车"]


@dataclass
class Place:
    """Where an appeal arose, by name: the works, section and team."""

    unit: str
    section: str
    team: str
    other_unit: str


class _Values(dict):
    """Placeholder values made on first use, so one text (and its answer) reuses each value."""

    def __init__(self, rng: random.Random, place: Place, received: dt.datetime):
        super().__init__()
        self.rng = rng
        self.place = place
        self.received = received

    def __missing__(self, key: str) -> str:
        value = self._make(key)
        self[key] = value
        return value

    def _make(self, key: str) -> str:  # noqa: C901, PLR0911, PLR0912 - one small branch per placeholder
        rng, place = self.rng, self.place
        if key == "unit":
            return place.unit
        if key == "unit2":
            return place.other_unit
        if key == "section":
            return place.section
        if key == "team":
            return place.team
        if key == "equip":
            return rng.choice(EQUIPMENT_BY_UNIT.get(place.unit, DEFAULT_EQUIPMENT))
        if key in ("month", "months"):
            back = rng.randint(1, 3)
            month = (self.received.month - back - 1) % 12 + 1
            return f"{month}月"
        if key == "date":
            day = self.received + dt.timedelta(days=rng.randint(2, 6))
            return f"{day.month}月{day.day}日"
        numbers = {
            "n": (2, 9),
            "years": (3, 25),
            "days": (2, 9),
            "hours": (14, 36),
            "age": (48, 56),
            "age2": (4, 12),
            "rank": (1, 3),
            "hour": (21, 23),
        }
        if key in numbers:
            return str(rng.randint(*numbers[key]))
        if key == "small":
            return str(rng.choice([8, 10, 12, 15, 20, 25, 30]))
        if key == "small2":
            return str(int(self["small"]) + rng.choice([5, 8, 10]))
        if key == "amount":
            return str(rng.randrange(200, 6000, 50))
        if key == "amount0":
            return str(rng.randint(3, 30))
        if key == "time":
            return f"{rng.choice([6, 7])}点{rng.choice(['', '10分', '20分', '半'])}"
        if key == "dorm":
            return f"{rng.randint(1, 9)}号楼"
        if key == "floor":
            return f"{rng.randint(1, 6)}楼{rng.choice(['东', '西'])}侧"
        simple = {
            "bus": BUSES,
            "place": PLACES,
            "job": JOBS,
            "job2": JOBS,
            "village": VILLAGES,
            "school": SCHOOLS,
            "illness": ILLNESSES,
            "relative": RELATIVES,
            "skill": SKILLS,
            "contest": CONTESTS,
            "topic": TOPICS,
        }
        if key == "job2":
            return rng.choice([job for job in JOBS if job != self["job"]])
        if key in simple:
            return rng.choice(simple[key])
        if key == "dept":
            return "相关部门"
        raise KeyError(key)


@dataclass
class Text:
    category: str
    kind: str
    text: str
    flags: tuple[str, ...]
    department: str
    values: _Values
    template: int


def compose(rng: random.Random, category: str, place: Place, received: dt.datetime) -> Text:
    """A text of `category` for an appeal raised at `place`."""
    templates = TEMPLATES[category]
    index = rng.randrange(len(templates))
    kinds, template, flags, department = templates[index]
    values = _Values(rng, place, received)
    return Text(category, rng.choice(kinds), template.format_map(values), flags, department, values, index)


def compose_collective(rng: random.Random, index: int, place: Place, received: dt.datetime) -> Text:
    category, template, department = COLLECTIVE_TEMPLATES[index % len(COLLECTIVE_TEMPLATES)]
    values = _Values(rng, place, received)
    return Text(
        category, "complaint", template.format_map(values), ("collective",), department, values, -1 - index
    )


def variant(rng: random.Random, text: str) -> str:
    """A copy of a collective text as another worker of the team would write it."""
    openings = ["", "", "我也反映一下:", "同样的问题,", "我是同一个班的,"]
    endings = ["", "希望尽快解决。", "请工会帮帮我们。", "谢谢!"]
    return rng.choice(openings) + text + rng.choice(endings)


def answer_for(rng: random.Random, text: Text, department_name: str) -> str:
    if "distress" in text.flags:
        return DISTRESS_REPLY
    if "safety_urgent" in text.flags:
        return URGENT_REPLY.format(dept=department_name or "安全环保部")
    values = text.values
    values["dept"] = department_name or "相关部门"
    return rng.choice(ANSWERS[text.category]).format_map(values)


def to_traditional(text: str) -> str:
    """Some workers type in traditional characters; the intake keeps the text as written."""
    from opencc import OpenCC

    return OpenCC("s2t").convert(text)


def public_question(text: Text) -> str:
    """The question as published on 员工有问有答: places and figures that point to a person go."""
    generic = Place(unit="某厂", section="某车间", team="某班组", other_unit="其他单位")
    values = _Values(random.Random(0), generic, text.values.received)
    for key in ("month", "amount", "small", "small2", "n", "years", "days", "equip"):
        if key in text.values:
            values[key] = text.values[key]
    category_templates = TEMPLATES.get(text.category, [])
    if 0 <= text.template < len(category_templates):
        return category_templates[text.template][1].format_map(values)
    return text.text
