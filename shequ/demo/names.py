"""Name pools for the demo district. Fixed lists: the demo must be the same for the same seed."""
from __future__ import annotations

import random

from faker.providers.person.zh_CN import Provider as _PersonProvider

SURNAMES = list(_PersonProvider.last_names.keys())
SURNAME_WEIGHTS = list(_PersonProvider.last_names.values())
GIVEN_MALE = list(_PersonProvider.first_names_male)
GIVEN_FEMALE = list(_PersonProvider.first_names_female)
# Second characters for two-character given names (most people born after 1980 have one).
GIVEN_MALE_2 = list("伟强磊洋勇军杰涛超明刚平辉鹏华飞鑫波斌宇浩凯健俊帆帅旭宁龙林欢阳建国峰亮成浩然轩宸睿博文涵泽晨")
GIVEN_FEMALE_2 = list("芳娜敏静丽艳娟霞燕玲丹萍红梅琳雪婷颖慧倩琪欣怡悦涵萱瑶佳雯璐薇晴月诗琴洁")
GIVEN_FIRST = list("子梓一诗欣思雨佳家俊浩宇志明晓嘉文雅美海建永国春秋立少天新金玉德")

STREETS = ["东城街道", "西湖街道", "南关街道", "北苑街道", "新华街道", "朝阳街道", "长安街道", "解放街道"]
TOWNSHIPS = ["城关镇", "青山镇", "河口镇", "柳林乡", "石桥镇", "白沙镇", "桃源乡", "龙泉镇"]
COMMUNITY_BASES = [
    "和平", "幸福", "建设", "光明", "文化", "向阳", "民主", "团结", "胜利", "红旗", "东风", "友谊", "前进",
    "人民", "永安", "康乐", "锦华", "桃园", "花园", "春晖", "金桥", "新苑", "滨河", "龙泉", "景园", "翠湖",
    "怡景", "长青", "丰收", "育才", "振兴", "富民", "安居", "祥和", "华苑", "兴隆", "青年", "福寿", "南湖",
    "北岭", "西园", "东湖", "泰和", "金秋", "银河", "星光", "朝霞", "紫荆", "丁香", "海棠", "玉兰", "松柏",
    "明珠", "百合", "凤凰", "天鹅", "公园", "车站", "铁路", "纺织", "机械", "电力", "化工", "矿山", "钢城",
]
VILLAGE_BASES = [
    "王家庄", "李家洼", "张庄", "刘家湾", "大柳树", "小河", "石桥", "杨家峪", "赵家楼", "孙家岭", "周庄", "吴家堡",
    "郑家营", "马家沟", "陈家寨", "黄土坡", "高家店", "林家坊", "何家岗", "罗家屯", "梁家台", "宋家集", "唐家铺",
    "许家坝", "韩家湾", "冯家庄", "邓家村", "曹家岭", "彭家堡", "曾家营", "肖家沟", "田家寨", "董家坡", "潘家店",
    "袁家坊", "蔡家岗", "蒋家屯", "余家台", "杜家集", "叶家铺", "程家坝", "魏家湾", "苏家庄", "吕家村", "丁家岭",
    "沈家堡", "姜家营", "范家沟", "傅家寨", "钟家坡", "卢家店", "汪家坊", "戴家岗", "崔家屯", "任家台", "陆家集",
]
ROADS = [
    "人民", "解放", "中山", "建设", "和平", "幸福", "文化", "胜利", "新华", "工农", "青年", "朝阳", "长江", "黄河",
    "泰山", "华山", "学府", "科技", "育才", "迎宾", "站前", "滨河", "园林", "光明", "振华", "兴业", "金融", "商业",
    "体育", "公园", "北京", "上海", "南京", "广州", "延安", "井冈山", "红星", "东风", "团结", "友谊", "民主", "安康",
]
ROAD_SUFFIXES = ["路", "路", "街", "大道", "巷"]
COMPOUND_BASES = [
    "阳光", "幸福", "锦绣", "和谐", "金色", "翠苑", "馨园", "丽景", "康城", "怡和", "碧水", "紫云", "盛世", "名门",
    "书香", "御景", "星河", "绿洲", "枫林", "桂苑", "兰亭", "润泽", "嘉园", "华府", "东方", "世纪", "滨江", "湖畔",
    "春天", "香榭", "雅居", "福苑", "泰和", "长安", "新城", "学府", "天骄", "明珠", "龙湾", "金域",
]
COMPOUND_SUFFIXES = ["小区", "花园", "家园", "苑", "公寓", "新村"]
SHOPS = [
    ("便利店", "retail"), ("超市", "retail"), ("水果店", "retail"), ("药店", "health"), ("理发店", "other"),
    ("面馆", "catering"), ("早餐店", "catering"), ("饺子馆", "catering"), ("烧烤店", "catering"), ("五金店", "retail"),
    ("干洗店", "other"), ("快递驿站", "other"), ("粮油店", "retail"), ("母婴店", "retail"), ("茶叶店", "retail"),
]
SHOP_PREFIXES = ["老王", "小李", "鑫源", "惠民", "万家", "福满", "好邻居", "佳佳", "金鼎", "宏达", "顺心", "乐购", "兴旺", "阿强", "红梅"]
ETHNICITIES = ["汉族"] * 96 + ["回族", "满族", "蒙古族", "壮族"]
MOBILE_PREFIXES = ["130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152", "153", "155",
                   "156", "157", "158", "159", "166", "176", "177", "180", "181", "182", "183", "185", "186", "187",
                   "188", "189", "191", "199"]
# Region codes of the places floating residents come from (their ID numbers carry them).
ORIGIN_REGIONS = ["410102", "410303", "411302", "510104", "510722", "340103", "341202", "430102", "430602",
                  "360102", "421002", "130104", "320382", "450102", "220102", "500101"]
ORDINALS = ["一", "二", "三", "四", "五", "六", "七", "八", "九", "十", "十一", "十二"]
RESIDENT_UNITS = [
    ("国网示范供电公司{street}供电所", "state_owned"), ("示范市第一人民医院{street}院区", "health"),
    ("中国移动示范分公司{street}营业厅", "state_owned"), ("示范市自来水公司{street}营业所", "state_owned"),
    ("示范市燃气集团{street}服务站", "state_owned"), ("中国邮政{street}支局", "state_owned"),
]


def person_name(rng: random.Random, sex: str, modern: bool) -> str:
    """A Chinese name: weighted surname, one- or two-character given name (two more often for the young)."""
    surname = rng.choices(SURNAMES, SURNAME_WEIGHTS)[0]
    if sex == "M":
        if rng.random() < (0.7 if modern else 0.35):
            return surname + rng.choice(GIVEN_FIRST) + rng.choice(GIVEN_MALE_2)
        return surname + rng.choice(GIVEN_MALE)
    if rng.random() < (0.7 if modern else 0.35):
        return surname + rng.choice(GIVEN_FIRST) + rng.choice(GIVEN_FEMALE_2)
    return surname + rng.choice(GIVEN_FEMALE)


def unique_names(rng: random.Random, bases: list[str], count: int, suffix: str, fixed: list[str] = ()) -> list[str]:
    """``count`` distinct names: the ``fixed`` ones first, then shuffled bases, then bases with a direction."""
    names = list(fixed)
    pool = [b for b in bases if b + suffix not in names]
    rng.shuffle(pool)
    extra = [d + b for d in "东西南北新" for b in bases]
    for base in pool + extra:
        if len(names) >= count:
            break
        if base + suffix not in names:
            names.append(base + suffix)
    return names[:count]
