"""The fictional steel group built by `manage.py demo_company`, and the people in it.

Everything here is plain data and pure functions of a `random.Random`: no database access, so the
same seed always gives the same company, and the benchmark's scale-data generator can reuse it.

燕山钢铁集团 is invented; its units carry the names such units have in any Chinese steel works.
"""

from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass, field

from stdnum.cn import ric

# A fixed "today" for the demo, so a seed gives the same ages and dates whatever day it is run.
REFERENCE_DATE = dt.date(2026, 9, 30)

GROUP = ("燕山钢铁集团有限公司", "燕钢集团", "YS")
# Demo logins are marked by this e-mail domain, so --reset only ever deletes its own users.
DEMO_EMAIL_DOMAIN = "demo.lianxin.invalid"
FOCUS_UNIT = "炼钢厂"  # where the cadre, handler, leader, representative, liaison and worker sit

# Section: (name, team-name prefix, shift jobs, other teams). Shift jobs give the four rotating
# shifts 甲乙丙丁班 (四班三倒); the other teams take their jobs from TEAM_JOBS.
_EQUIP = "机械点检一班、机械点检二班、电气点检班、仪表点检班、液压润滑班、维修班"
SECONDARIES: list[tuple[str, str, list[tuple[str, list[tuple[str, str, str, str]]]]]] = [
    ("燕山钢铁股份有限公司", "股份公司", [
        ("烧结厂", [
            ("一烧结车间", "一烧", "烧结工、看火工、配料工、主控工", "除尘班、巡检班"),
            ("二烧结车间", "二烧", "烧结工、看火工、配料工、主控工", "巡检班"),
            ("原料车间", "原料", "堆取料机司机、皮带工、配料工", "维修班、卸车班"),
            ("设备点检作业区", "烧结", "", _EQUIP),
        ]),
        ("焦化厂", [
            ("备煤车间", "备煤", "配煤工、皮带工、粉碎机工", "卸车班"),
            ("炼焦车间", "炼焦", "推焦车司机、拦焦车司机、熄焦车司机、炉门修理工", "测温班"),
            ("干熄焦车间", "干熄焦", "干熄焦操作工、锅炉工、主控工", "巡检班"),
            ("化产车间", "化产", "化产操作工、鼓冷工、脱硫工", "化验班、巡检班"),
            ("污水处理车间", "污水", "污水处理工、化验员", ""),
            ("设备科", "焦化", "", _EQUIP),
        ]),
        ("炼铁厂", [
            ("原料车间", "上料", "上料工、配料工、皮带工", "巡检班"),
            ("1号高炉车间", "1号高炉", "高炉炉前工、热风炉工、高炉值班工长、配管工", "渣处理班、天车班"),
            ("2号高炉车间", "2号高炉", "高炉炉前工、热风炉工、高炉值班工长、配管工", "渣处理班、天车班"),
            ("3号高炉车间", "3号高炉", "高炉炉前工、热风炉工、高炉值班工长、配管工", "渣处理班、天车班"),
            ("喷煤车间", "喷煤", "制粉工、喷吹工、主控工", "巡检班"),
            ("设备点检作业区", "炼铁", "", _EQUIP),
        ]),
        ("炼钢厂", [
            ("转炉车间", "转炉", "炼钢工、摇炉工、炉前工、合金工", "天车班、维修班"),
            ("连铸车间", "连铸", "连铸工、浇钢工、切割工、引锭工", "天车班"),
            ("精炼车间", "精炼", "精炼工、LF炉操作工、RH真空操作工", "天车班"),
            ("石灰窑车间", "石灰窑", "石灰窑看火工、上料工、主控工", "巡检班"),
            ("原料运行车间", "原料", "废钢工、铁水调度员、混铁炉工", "天车班"),
            ("设备点检作业区", "炼钢", "", _EQUIP),
        ]),
        ("热轧厂", [
            ("加热炉车间", "加热炉", "加热炉工、装钢工、出钢工", "巡检班"),
            ("轧钢车间", "热轧", "轧钢工、主控台操作工、卷取工", "天车班、换辊班"),
            ("精整车间", "精整", "精整工、打捆工、喷号工", "天车班"),
            ("运行保障作业区", "", "", "计划调度班、备件管理班、磨床班"),
            ("磨辊车间", "", "", "磨辊一班、磨辊二班、轴承班、装配班"),
            ("设备点检作业区", "热轧", "", _EQUIP),
        ]),
        ("冷轧厂", [
            ("酸轧车间", "酸轧", "酸洗工、轧钢工、主操工", "换辊班、天车班"),
            ("连退车间", "连退", "连退操作工、平整工、主操工", "天车班"),
            ("镀锌车间", "镀锌", "镀锌工、锌锅工、平整工", "天车班"),
            ("硅钢车间", "硅钢", "退火涂层工、主操工、剪切工", "天车班"),
            ("精整包装车间", "", "", "包装一班、包装二班、剪切班、天车班"),
            ("设备点检作业区", "冷轧", "", _EQUIP),
        ]),
        ("能源动力厂", [
            ("供电车间", "供电", "变电运行工、值班电工", "外线班"),
            ("制氧车间", "制氧", "制氧工、空分操作工", "充装班"),
            ("水处理车间", "水处理", "水处理工、泵站运行工", "化验班"),
            ("燃气车间", "燃气", "煤气防护工、燃气调度员、加压站运行工", "防护站班"),
            ("检修车间", "", "", "机械检修一班、机械检修二班、电气检修班、仪表班"),
            ("热力车间", "热力", "锅炉工、汽轮机运行工", "巡检班"),
        ]),
        ("检化验中心", [
            ("炉前化验车间", "炉前化验", "化验员、取样工", ""),
            ("原燃料检验车间", "原燃料", "化验员、取制样工", ""),
            ("物理检测车间", "", "", "力学检验班、试样加工班、无损检测班"),
            ("环境监测站", "", "", "监测一班、监测二班、采样班"),
            ("计量车间", "计量", "计量工、司磅员", ""),
        ]),
    ]),
    ("燕钢矿业有限公司", "矿业公司", [
        ("北山铁矿", [
            ("采矿车间", "采矿", "电铲司机、钻机工、采矿工", "维修班"),
            ("穿爆车间", "", "", "穿孔一班、穿孔二班、爆破班、炸药班"),
            ("运输车间", "运输", "矿用汽车司机、调度员", "维修班"),
            ("破碎车间", "破碎", "破碎工、皮带工", "维修班"),
            ("设备科", "北山", "", _EQUIP),
        ]),
        ("南岭铁矿", [
            ("井下采矿车间", "井下", "凿岩工、支护工、铲运机司机", "维修班"),
            ("提升运输车间", "提升", "提升机司机、信号工、电机车司机", ""),
            ("通风排水车间", "", "", "通风班、排水班、井下供电班、安全检查班"),
            ("设备科", "南岭", "", _EQUIP),
        ]),
        ("选矿厂", [
            ("破碎车间", "破碎", "破碎工、筛分工", "维修班"),
            ("磨选车间", "磨选", "磨矿工、磁选工、浮选工", "化验班"),
            ("过滤车间", "过滤", "过滤工、浓缩工", "巡检班"),
            ("精矿车间", "精矿", "精矿脱水工、皮带工", "巡检班"),
            ("尾矿车间", "尾矿", "尾矿工、泵站工", "巡检班"),
            ("设备点检作业区", "选矿", "", _EQUIP),
        ]),
        ("球团厂", [
            ("原料车间", "原料", "配料工、干燥机工", "巡检班"),
            ("造球车间", "造球", "造球工、筛分工", "巡检班"),
            ("焙烧车间", "焙烧", "链篦机工、回转窑看火工、环冷机工", "巡检班"),
            ("设备点检作业区", "球团", "", _EQUIP),
        ]),
        ("矿山机修厂", [
            ("机加工车间", "", "", "车工一班、车工二班、铣刨班、镗磨班"),
            ("铆焊车间", "", "", "铆工班、焊工班、下料班"),
            ("电修车间", "", "", "电机班、开关班、变压器班"),
            ("大修作业区", "", "", "大修一班、大修二班、起重班"),
        ]),
    ]),
    ("燕钢物流运输有限公司", "物流公司", [
        ("铁运公司", [
            ("运转车间", "运转", "调车长、连结员、信号员", "调度班"),
            ("机务车间", "机务", "机车司机、机车副司机", "整备班"),
            ("车辆车间", "", "", "列检一班、列检二班、车辆检修班、制动班"),
            ("工务车间", "", "", "线路一班、线路二班、线路三班、桥隧班"),
            ("电务车间", "", "", "信号一班、信号二班、通信班"),
        ]),
        ("汽运公司", [
            ("第一运输车间", "一运", "货车司机、押运员", "调度班"),
            ("第二运输车间", "二运", "货车司机、装载机司机", "调度班"),
            ("第三运输车间", "三运", "货车司机、罐车司机", "调度班"),
            ("修理车间", "", "", "汽修一班、汽修二班、轮胎班、电气班"),
            ("客运车间", "", "", "通勤客车一班、通勤客车二班、调度班"),
        ]),
        ("港口储运公司", [
            ("装卸车间", "装卸", "门机司机、装卸工、理货员", "维修班"),
            ("仓储车间", "", "", "成品库一班、成品库二班、备件库班、叉车班"),
            ("调度室", "", "", "调度一班、调度二班、计量班"),
            ("设备科", "储运", "", _EQUIP),
        ]),
    ]),
    ("燕钢装备制造有限公司", "装备公司", [
        ("机修厂", [
            ("机加工车间", "", "", "车工一班、车工二班、铣刨班、磨工班、数控一班、数控二班"),
            ("铆焊车间", "", "", "铆工一班、铆工二班、焊工一班、焊工二班、气割班"),
            ("装配车间", "", "", "装配一班、装配二班、装配三班、起重班"),
            ("热处理车间", "热处理", "热处理工、天车工", ""),
            ("维修作业区", "", "", "机械维修一班、机械维修二班、电气维修班、液压班"),
        ]),
        ("轧辊厂", [
            ("铸造车间", "", "", "熔炼班、造型一班、造型二班、浇注班、清理班"),
            ("热处理车间", "热处理", "热处理工、天车工", "检验班"),
            ("机加工车间", "", "", "车工班、磨工一班、磨工二班、数控班"),
            ("质检科", "", "", "探伤班、检验一班、检验二班"),
        ]),
        ("电修厂", [
            ("电机修理车间", "", "", "电机一班、电机二班、绕线班、试验班"),
            ("变压器车间", "", "", "变压器一班、变压器二班、开关班"),
            ("仪表车间", "", "", "仪表一班、仪表二班、校验班"),
            ("外线作业区", "", "", "外线一班、外线二班、外线三班、高压班"),
        ]),
        ("结构件厂", [
            ("下料车间", "", "", "气割一班、气割二班、剪板班、下料班"),
            ("焊接车间", "", "", "焊接一班、焊接二班、焊接三班、铆工班"),
            ("涂装车间", "", "", "喷砂班、涂装一班、涂装二班"),
            ("安装作业区", "", "", "安装一班、安装二班、起重班、架子班"),
        ]),
    ]),
]  # fmt: skip

SHIFTS = ["甲班", "乙班", "丙班", "丁班"]

# Jobs of the named (non-shift) teams, looked up by the team name without its number or prefix.
TEAM_JOBS = {
    "机械点检": "机械点检员",
    "电气点检": "电气点检员、电工",
    "液压润滑": "液压工、润滑工",
    "维修": "钳工、电工、焊工、维修工",
    "机械维修": "钳工、焊工、维修工",
    "电气维修": "电工、维修电工",
    "液压": "液压工",
    "天车": "天车工、挂钩工",
    "化验": "化验员、取样工",
    "除尘": "除尘工",
    "测温": "测温工",
    "渣处理": "水渣工、渣处理工",
    "巡检": "巡检工",
    "检修": "钳工、电工、焊工",
    "监测": "环境监测员",
    "采样": "采样工",
    "计划调度": "调度员、计划员",
    "备件管理": "备件管理员",
    "磨床": "磨工",
    "卸车": "卸车工、翻车机司机",
    "换辊": "换辊工",
    "充装": "充装工",
    "防护站": "煤气防护工",
    "安全检查": "安全检查工",
    "清理": "清理工",
    "仪表点检": "仪表点检员",
    "磨辊": "磨辊工",
    "轴承": "轴承装配工",
    "包装": "包装工、打捆工",
    "剪切": "剪切工",
    "外线": "外线电工",
    "高压": "高压电工",
    "力学检验": "理化检验员",
    "试样加工": "试样加工工",
    "无损检测": "探伤工",
    "穿孔": "钻机工",
    "爆破": "爆破工",
    "炸药": "炸药制备工",
    "通风": "通风工",
    "排水": "排水泵工",
    "井下供电": "井下电工",
    "车工": "车工",
    "铣刨": "铣工、刨工",
    "镗磨": "镗工、磨工",
    "磨工": "磨工",
    "数控": "数控机床操作工",
    "铆工": "铆工",
    "焊工": "焊工",
    "焊接": "焊工",
    "下料": "下料工、气割工",
    "气割": "气割工",
    "剪板": "剪板工",
    "电机": "电机修理工",
    "绕线": "绕线工",
    "试验": "电气试验工",
    "开关": "开关修理工",
    "变压器": "变压器修理工",
    "仪表": "仪表工",
    "校验": "仪表校验工",
    "大修": "钳工、起重工、焊工",
    "装配": "装配钳工",
    "起重": "起重工",
    "架子": "架子工",
    "安装": "安装钳工、起重工",
    "熔炼": "熔炼工",
    "造型": "造型工",
    "浇注": "浇注工",
    "探伤": "探伤工",
    "检验": "质检员",
    "喷砂": "喷砂工",
    "涂装": "涂装工",
    "整备": "整备工",
    "列检": "列检员",
    "车辆检修": "车辆钳工",
    "制动": "制动钳工",
    "线路": "线路工",
    "桥隧": "桥隧工",
    "信号": "信号工",
    "通信": "通信工",
    "汽修": "汽车修理工",
    "轮胎": "轮胎工",
    "电气": "汽车电工",
    "通勤客车": "客车司机",
    "调度": "调度员",
    "计量": "计量工、司磅员",
    "成品库": "仓库保管员、理货员",
    "备件库": "仓库保管员",
    "叉车": "叉车司机",
}

# The share of women in a job; anything not listed is 6%.
FEMALE_SHARE = {
    "天车工": 0.55,
    "化验员": 0.8,
    "取样工": 0.5,
    "取制样工": 0.5,
    "理化检验员": 0.6,
    "计量工": 0.5,
    "司磅员": 0.8,
    "仓库保管员": 0.7,
    "理货员": 0.5,
    "调度员": 0.4,
    "环境监测员": 0.6,
    "采样工": 0.4,
    "计划员": 0.5,
    "备件管理员": 0.5,
    "燃气调度员": 0.4,
    "铁水调度员": 0.3,
    "包装工": 0.3,
    "仪表校验工": 0.4,
    "主控工": 0.3,
    "统计员": 0.7,
    "统计核算员": 0.7,
    "人事劳资员": 0.6,
    "工会干事": 0.5,
    "女工委主任": 1.0,
    "女职工部部长": 1.0,
}

# Offices (机关) of each level, in the order posts are filled when members are few.
OFFICE_POSTS = {
    "group": "工会主席、工会常务副主席、工会副主席、工会办公室主任、组织部部长、权益保障部部长、"
    "女职工部部长、宣传教育部部长、经费审查委员会主任、工会干事、工会干事、工会干事、纪委副书记",
    "secondary": "工会主席、工会副主席、工会办公室主任、工会干事、女工委主任、工会干事、综合办公室主任、"
    "人力资源部经理、安全管理员",
    "unit": "工会主席、厂长、工会副主席、工会干事、党委书记、副厂长、人事劳资员、安全员、统计员、工会干事",
    "section": "党支部书记、车间主任、技术员、安全员、统计核算员",
}
UNION_STAFF_POSTS = {
    "工会办公室主任",
    "组织部部长",
    "权益保障部部长",
    "女职工部部长",
    "宣传教育部部长",
    "经费审查委员会主任",
    "女工委主任",
    "工会干事",
}

# Surnames with their share per thousand (national frequency, leaning to the north).
SURNAMES = (
    "王72 李70 张68 刘55 杨32 赵28 陈25 高20 孙18 马17 郭15 周14 徐12 吴12 朱11 胡10 "
    "田10 韩10 冯9 于9 董9 曹8 宋8 吕8 魏8 齐7 许7 何7 郑7 黄7 林6 梁6 谢5 唐5 "
    "邓5 彭5 曾4 肖4 袁4 潘4 蒋4 蔡4 杜4 程4 苏4 丁4 任4 沈4 姚4 卢4 姜4 崔4 "
    "贾4 石4 侯4 付4 白4 孟4 秦3 薛3 闫3 段3 雷3 史3 郝3 邢3 尹3 钱3 武3 常3 "
    "康3 牛3 谷2 边2 纪2 申2 耿2 阎2 路2 葛2 庞2 岳2 甄2 商2 霍2 靳2 解2 芦1 "
    "欧阳1 司马1"
)
_SURNAMES = re.findall(r"(\D+?)(\d+)\s*", SURNAMES)
SURNAME_LIST = [name for name, _w in _SURNAMES]
SURNAME_WEIGHTS = [int(weight) for _n, weight in _SURNAMES]

# Given-name characters by sex and by birth era: (first characters, second characters, share of
# one-character names). Names follow fashion: 建国 and 秀英 are born in the sixties, 子轩 and 梓涵 after 2000.
GIVEN_NAMES = {
    ("M", 0): ("建国志文永德学振庆洪宝树春玉忠金长海明", "国军华民平林生明山成祥强伟东兴忠才斌武", 0.2),
    ("M", 1): ("晓志海建文俊宏伟振立永红新金春国", "伟军强磊涛刚鹏辉杰斌超亮峰波勇明东龙飞", 0.4),
    ("M", 2): ("子浩宇俊博一梓嘉思天佳家明", "轩然宇航博杰豪浩鑫睿阳晨泽凯帅", 0.2),
    ("F", 0): ("秀淑桂玉凤丽春素美翠金红", "英兰珍华芳荣云琴霞梅芬娥", 0.15),
    ("F", 1): ("晓丽海春雪红静小玉", "丽静敏燕艳娟霞红梅颖丹莉琳娜", 0.45),
    ("F", 2): ("子欣梓诗雨思佳语可一", "涵怡琪萱婷雪悦彤琳妍晴瑶", 0.2),
}

# Region codes of the place where the first ID card was issued: Tangshan's districts and counties,
# with the code each had at the time (丰南县 became 丰南市 in 1994 and 丰南区 in 2002…), and weights.
# People born before 1983 got their first card around 1985, under the codes of that year.
# (start year, end year, code): the code is used for cards issued from start until before end.
LOCAL_REGIONS = {
    "路北区": (15, [(0, 0, "130203")]),
    "路南区": (10, [(0, 0, "130202")]),
    "古冶区": (8, [(0, 0, "130204")]),
    "开平区": (8, [(0, 0, "130205")]),
    "丰南区": (8, [(0, 1994, "130222"), (1994, 2002, "130282"), (2002, 0, "130207")]),
    "丰润区": (10, [(0, 2002, "130221"), (2002, 0, "130208")]),
    "曹妃甸区": (5, [(0, 2012, "130230"), (2012, 0, "130209")]),
    "滦州市": (5, [(0, 2018, "130223"), (2018, 0, "130284")]),
    "滦南县": (6, [(0, 0, "130224")]),
    "乐亭县": (5, [(0, 0, "130225")]),
    "迁西县": (5, [(0, 0, "130227")]),
    "玉田县": (5, [(0, 0, "130229")]),
    "遵化市": (5, [(0, 1992, "130228"), (1992, 0, "130281")]),
    "迁安市": (5, [(0, 1996, "130226"), (1996, 0, "130283")]),
}
OTHER_REGIONS = {
    "秦皇岛海港区": (3, [(0, 0, "130302")]),
    "邯郸邯山区": (2, [(0, 0, "130402")]),
    "承德双桥区": (2, [(0, 0, "130802")]),
    "郑州中原区": (1, [(0, 0, "410102")]),
    "呼和浩特新城区": (1, [(0, 0, "150102")]),
    "哈尔滨道里区": (1, [(0, 0, "230102")]),
}


def region_code(rng: random.Random, regions: dict, born: dt.date) -> str:
    """The region code of someone's first ID card, as numbered in the year it was issued."""
    weights = [weight for weight, _codes in regions.values()]
    _weight, codes = rng.choices(list(regions.values()), weights)[0]
    issued = max(born.year, 1985)
    return next(code for start, end, code in codes if start <= issued and (not end or issued < end))


# Mobile number segments of the three carriers.
PHONE_PREFIXES = [f"13{d}" for d in "0123456789"] + [f"15{d}" for d in "0125789"]
PHONE_PREFIXES += ["166", "175", "176", "177", "178", "180", "181", "182", "183", "185", "186", "187"]
PHONE_PREFIXES += ["188", "189", "191", "198", "199"]

# Employment mix of the teams per secondary company: formal, dispatched, outsourced (percent).
EMPLOYMENT_MIX = [(86, 9, 5), (80, 12, 8), (68, 16, 16), (78, 12, 10)]

SIX_HAVES_EVIDENCE = {
    "organization": "成立{post}领导小组,{leader}任组长,配备专兼职工作人员{n}名,分工文件存档",
    "place": "设在{address},面积约{area}平方米,配备接待桌椅、档案柜和电脑",
    "publicity": "门口设公示牌,公开负责人照片、联系电话和办事流程;职工微信群同步发布",
    "rules": "接待登记、受理交办、限时办结、回访评价等{n}项制度上墙",
    "standards": "执行《群众工作阵地建设标准》,明确受理、办理、反馈时限和办结标准",
    "ledger": "建立来访登记、诉求办理和回访评价台账,{year}年登记{count}件,办结率{rate}%",
}


@dataclass
class UnitPlan:
    """One unit of the demo tree, before it is saved."""

    code: str
    name: str
    level: str
    parent: UnitPlan | None = None
    short_name: str = ""
    jobs: list[str] = field(default_factory=list)
    weight: float = 1.0
    company: int = 0  # index of the secondary company it belongs to
    children: list[UnitPlan] = field(default_factory=list)

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()

    def tertiary(self) -> UnitPlan | None:
        node = self
        while node is not None and node.level != "unit":
            node = node.parent
        return node


@dataclass
class PersonPlan:
    """One member of the demo, before member_build turns it into a Member."""

    unit: UnitPlan
    name: str
    gender: str
    birth_date: dt.date
    id_number: str
    phone: str
    job: str
    employment_type: str
    joined_on: dt.date
    status: str = "active"
    left_on: dt.date | None = None
    member_no: str = ""


def split(text: str) -> list[str]:
    return [part for part in text.split("、") if part]


def team_jobs(team_name: str) -> list[str]:
    """Jobs of a named team: 机械点检班 -> 机械点检员; 线路一班 -> 线路工."""
    base = team_name.removesuffix("班").rstrip("一二三四")
    for key in sorted(TEAM_JOBS, key=len, reverse=True):
        if base.endswith(key):
            return split(TEAM_JOBS[key])
    raise KeyError(team_name)


def _add(parent: UnitPlan, name: str, level: str, **extra) -> UnitPlan:
    child = UnitPlan(
        code=f"{parent.code}{len(parent.children) + 1:02d}",
        name=name,
        level=level,
        parent=parent,
        company=extra.pop("company", parent.company),
        **extra,
    )
    parent.children.append(child)
    return child


def _add_section(rng: random.Random, unit: UnitPlan, spec: tuple[str, str, str, str]) -> None:
    name, prefix, shift_jobs, others = spec
    section = _add(unit, name, "section", short_name=prefix)
    if shift_jobs:
        for shift in SHIFTS:
            _add(section, f"{prefix}{shift}", "team", jobs=split(shift_jobs), weight=rng.uniform(0.9, 1.4))
    for team in split(others):
        _add(section, f"{prefix}{team}", "team", jobs=team_jobs(team), weight=rng.uniform(0.45, 0.8))


def tree_plan(rng: random.Random) -> UnitPlan:
    """The whole demo tree: a group, four companies, their units, sections and teams."""
    name, short, code = GROUP
    root = UnitPlan(code=code, name=name, level="group", short_name=short)
    for index, (sec_name, sec_short, units) in enumerate(SECONDARIES):
        secondary = _add(root, sec_name, "secondary", short_name=sec_short, company=index)
        for unit_name, sections in units:
            unit = _add(secondary, unit_name, "unit")
            for spec in sections:
                _add_section(rng, unit, spec)
    return root


def birth_era(birth_year: int) -> int:
    return 0 if birth_year < 1976 else (1 if birth_year < 1991 else 2)


def person_name(rng: random.Random, gender: str, birth_year: int) -> str:
    firsts, seconds, single_share = GIVEN_NAMES[(gender, birth_era(birth_year))]
    surname = rng.choices(SURNAME_LIST, SURNAME_WEIGHTS)[0]
    if rng.random() < single_share:
        return surname + rng.choice(seconds)
    first = rng.choice(firsts)
    second = rng.choice(seconds.replace(first, ""))
    return surname + first + second


def birth_date(rng: random.Random, age: int) -> dt.date:
    """A birth date giving `age` full years on REFERENCE_DATE."""
    latest = REFERENCE_DATE.replace(year=REFERENCE_DATE.year - age)
    return latest - dt.timedelta(days=rng.randrange(365))


def id_number(rng: random.Random, born: dt.date, gender: str, used: set[str], outsider: bool) -> str:
    """A valid resident ID number (GB 11643), unique within `used`; the 17th digit is odd for men."""
    regions = OTHER_REGIONS if outsider and rng.random() < 0.6 else LOCAL_REGIONS
    while True:
        region = region_code(rng, regions, born)
        sequence = rng.randrange(1, 500) * 2 + (1 if gender == "M" else 0)
        body = f"{region}{born:%Y%m%d}{sequence % 1000:03d}"
        number = body + ric.calc_check_digit(body + "0")  # it skips the last character
        if number not in used:
            used.add(number)
            return number


def phone_number(rng: random.Random, used: set[str]) -> str:
    while True:
        phone = rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}"
        if phone not in used:
            used.add(phone)
            return phone


def add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def joined_on(rng: random.Random, born: dt.date, employment: str) -> dt.date:
    """When the member joined the union: on being hired, at 18 to 24, or recently for agency staff."""
    latest = REFERENCE_DATE - dt.timedelta(days=20)
    if employment in ("dispatched", "outsourced"):
        years = 12 if employment == "dispatched" else 8
        day = latest - dt.timedelta(days=rng.randrange(years * 365))
        return max(day, add_years(born, 18))
    day = add_years(born, rng.randint(18, 24)) + dt.timedelta(days=rng.randrange(200))
    return min(day, latest)


AGE_BANDS = [((20, 29), 15), ((30, 39), 25), ((40, 49), 32), ((50, 59), 28)]


def worker_age(rng: random.Random, gender: str, employment: str) -> int:
    """Age of a serving worker: the steel workforce is old; agency staff are young."""
    if employment == "dispatched":
        return rng.randint(20, 40)
    if employment == "outsourced":
        return rng.randint(22, 55)
    band = rng.choices([b for b, _w in AGE_BANDS], [w for _b, w in AGE_BANDS])[0]
    age = rng.randint(*band)
    return min(age, 49) if gender == "F" else age  # women workers retire at 50


def make_person(rng: random.Random, unit: UnitPlan, job: str, employment: str, used: dict, age=None):
    """A PersonPlan for `unit`; `used` holds the ID numbers and phones already given out."""
    gender = "F" if rng.random() < FEMALE_SHARE.get(job, 0.06) else "M"
    if age is None:
        age = worker_age(rng, gender, employment)
    born = birth_date(rng, age)
    outsider = employment in ("dispatched", "outsourced")
    return PersonPlan(
        unit=unit,
        name=person_name(rng, gender, born.year),
        gender=gender,
        birth_date=born,
        id_number=id_number(rng, born, gender, used["ids"], outsider),
        phone=phone_number(rng, used["phones"]),
        job=job,
        employment_type=employment,
        joined_on=joined_on(rng, born, employment),
    )


def employment_for(rng: random.Random, company: int) -> str:
    formal, dispatched, outsourced = EMPLOYMENT_MIX[company % len(EMPLOYMENT_MIX)]
    return rng.choices(["formal", "dispatched", "outsourced"], [formal, dispatched, outsourced])[0]


def team_member(rng: random.Random, team: UnitPlan, position: int, used: dict) -> PersonPlan:
    """The position-th member of a team: the first is the team leader (班长)."""
    if position == 0:
        person = make_person(rng, team, team.jobs[0], "formal", used, age=rng.randint(32, 52))
        person.job = "班长"
        return person
    return make_person(rng, team, rng.choice(team.jobs), employment_for(rng, team.company), used)


def office_member(rng: random.Random, unit: UnitPlan, post: str, rank: int, used: dict) -> PersonPlan:
    senior = rank < 3 and post != "工会干事"
    age = rng.randint(45, 58) if senior else rng.randint(26, 54)
    return make_person(rng, unit, post, "formal", used, age=age)


def retired_member(rng: random.Random, unit: UnitPlan, used: dict) -> PersonPlan:
    gender = "F" if rng.random() < 0.2 else "M"
    age = rng.randint(61, 76) if gender == "M" else rng.randint(51, 72)
    born = birth_date(rng, age)
    return PersonPlan(
        unit=unit,
        name=person_name(rng, gender, born.year),
        gender=gender,
        birth_date=born,
        id_number=id_number(rng, born, gender, used["ids"], False),
        phone=phone_number(rng, used["phones"]),
        job="退休职工",
        employment_type="retired",
        joined_on=add_years(born, rng.randint(18, 23)),
    )


def office_slots(root: UnitPlan, quota: int) -> list[tuple[UnitPlan, str, int]]:
    """(unit, post, rank) for the office staff, filled rank by rank, top levels first."""
    order = {"group": 0, "secondary": 1, "unit": 2, "section": 3}
    offices = sorted((u for u in root.walk() if u.level in order), key=lambda u: order[u.level])
    posts = {u.code: split(OFFICE_POSTS[u.level]) for u in offices}
    slots: list[tuple[UnitPlan, str, int]] = []
    for rank in range(max(len(p) for p in posts.values())):
        for unit in offices:
            if len(slots) >= quota:
                return slots
            if rank < len(posts[unit.code]):
                slots.append((unit, posts[unit.code][rank], rank))
    return slots


def team_sizes(rng: random.Random, teams: list[UnitPlan], total: int) -> list[int]:
    """At least one member per team, the rest spread by each team's weight."""
    sizes = [1] * len(teams)
    extra = total - len(teams)
    if extra > 0:
        for index in rng.choices(range(len(teams)), [t.weight for t in teams], k=extra):
            sizes[index] += 1
    return sizes


def minimum_members(root: UnitPlan) -> int:
    teams = sum(1 for u in root.walk() if u.level == "team")
    heads = sum(1 for u in root.walk() if u.level in ("group", "secondary", "unit"))
    return teams + heads


def people_plan(rng: random.Random, root: UnitPlan, total: int) -> list[PersonPlan]:
    """`total` members: ~6% in offices, ~1.5% retired (on their unit), the rest in teams.

    Raises ValueError (with the least workable total) when there are too few for one per team.
    """
    teams = [u for u in root.walk() if u.level == "team"]
    units = [u for u in root.walk() if u.level == "unit"]
    heads = minimum_members(root) - len(teams)
    if total < minimum_members(root):
        raise ValueError(minimum_members(root))
    used: dict = {"ids": set(), "phones": set()}
    slots = office_slots(root, max(heads, min(round(total * 0.06), total - len(teams))))
    retired = max(0, min(round(total * 0.015), total - len(slots) - len(teams)))
    sizes = team_sizes(rng, teams, total - len(slots) - retired)
    people = [office_member(rng, unit, post, rank, used) for unit, post, rank in slots]
    people += [retired_member(rng, units[i % len(units)], used) for i in range(retired)]
    for team, size in zip(teams, sizes, strict=True):
        people += [team_member(rng, team, position, used) for position in range(size)]
    _mark_leavers(rng, people)
    order = {u.code: i for i, u in enumerate(root.walk())}
    people.sort(key=lambda p: order[p.unit.code])
    for number, person in enumerate(people, start=1):
        person.member_no = member_no(number)
    return people


def member_no(number: int) -> str:
    """Member numbers: 1302 (the Tangshan federation's prefix in this demo) and six digits."""
    return f"1302{number:06d}"


def _mark_leavers(rng: random.Random, people: list[PersonPlan]) -> None:
    """About one in two hundred team members has left the union (resigned or moved away)."""
    for person in people:
        if person.unit.level == "team" and person.job != "班长" and rng.random() < 0.005:
            person.status = "left"
            person.left_on = REFERENCE_DATE - dt.timedelta(days=rng.randrange(30, 700))
            person.left_on = max(person.left_on, person.joined_on + dt.timedelta(days=30))


def evidence(rng: random.Random, item: str, *, post: str, leader: str, address: str) -> str:
    return SIX_HAVES_EVIDENCE[item].format(
        post=post,
        leader=leader or "工会主席",
        n=rng.randint(3, 8),
        address=address,
        area=rng.choice([20, 25, 30, 36, 40, 48, 60, 80]),
        year=REFERENCE_DATE.year,
        count=rng.randint(12, 160),
        rate=rng.choice([92, 95, 96, 97, 98, 100]),
    )


def post_address(rng: random.Random, unit: UnitPlan) -> str:
    if unit.level == "group":
        return "集团公司办公楼三楼302室"
    if unit.level == "secondary":
        return f"{unit.short_name}机关办公楼二楼{rng.randint(201, 215)}室"
    if unit.level == "unit":
        return f"{unit.name}综合办公楼一楼职工之家"
    return unit.name + rng.choice(["职工活动室", "主控楼二楼", "班前会议室", "职工休息室"])


# One login per shipped role: (username, role code, where the role is held, whom the user is).
# Where: group, secondary (the first company), unit (FOCUS_UNIT), team (a team of FOCUS_UNIT).
# Whom: the member the user is linked to, by union office, by post, or none (a name is made up).
DEMO_USERS = [
    ("admin", "administrator", "group", ""),
    ("chairman", "chairman", "secondary", "union:chairman"),
    ("cadre", "cadre", "unit", "union:staff"),
    ("liaison", "liaison", "team", "team:liaison"),
    ("worker", "worker", "team", "team:worker"),
    ("handler", "handler", "unit", "post:人事劳资员"),
    ("leader", "leader", "unit", "post:厂长"),
    ("rep", "representative", "unit", "team:representative"),
    ("supervisor", "supervisor", "group", "post:纪委副书记"),
]
