"""Synthetic Chinese posts about a car maker: varied background chatter and near-duplicate campaign posts."""

from __future__ import annotations

import random

BRANDS = ["某品牌", "这家车企", "这个牌子", "厂家", "4S店", "官方客服"]
SUBJECTS = ["新车", "电动车", "SUV", "这台车", "提的车", "试驾车", "二手车", "车机系统", "刹车", "电池", "底盘", "空调"]
SENTENCES = [
    "今天去店里看了一下{s}，销售态度还可以。", "{b}的{s}开了三个月，说说真实感受。", "{s}续航比宣传的少了不少，冬天更明显。",
    "有没有人遇到过{s}异响的问题？", "{b}回应得很快，问题已经解决了。", "听说{s}要降价，等等再买。",
    "朋友的{s}出了点小毛病，保修处理得还行。", "{s}的内饰做工比上一代好多了。", "高速上{s}的辅助驾驶挺稳。",
    "{b}这次发布会的{s}配置很有诚意。", "排队提车等了两个月，{s}终于到了。", "{s}保养一次花了八百多。",
    "说实话{s}的隔音一般，胎噪有点大。", "车友群里都在讨论{s}的新版本。", "{b}的售后电话打了好几次才接通。",
    "{s}的外观我很喜欢，颜色也好看。", "周末开{s}去郊区露营，空间够用。", "对比了三家，最后还是选了{s}。",
    "有人说{s}质量不行，我开了一年没问题。", "{b}的{s}召回公告大家看了吗？", "这次OTA升级后{s}反应快了。",
    "{s}的座椅坐久了腰有点酸。", "充电桩排队太久，{s}只能晚上充。", "{b}送的保养券还挺实用。",
    "看到网上的视频，{s}的测试结果好像有问题。", "{s}的二手保值率怎么样？", "第一次开{s}跑长途，油耗还不错。",
    "希望{b}能把{s}的车机再优化一下。", "{s}在雨天的雨刷效果一般。", "邻居也买了{s}，我们一起去自驾。",
    "{b}门店搬家了，新地址更好找。", "{s}的倒车影像很清楚。", "别听营销号瞎说，{s}没那么差。",
    "我觉得{s}性价比还是很高的。", "{s}的方向盘手感偏轻。", "刚交了定金，{s}下个月到。",
    "{b}的金融方案利息有点高。", "{s}空调制冷很快，夏天舒服。", "希望{s}以后出个长续航版本。", "{s}的灯光设计很有辨识度。",
]
TAGS = ["#用车日记#", "#汽车#", "#新能源#", "#提车作业#", "#车主说#", "#试驾#", ""]
CAMPAIGN_TEMPLATES = [
    "{b}的{s}刹车失灵，多名车主险些出事，厂家却一直隐瞒真相，大家千万不要买，转发扩散让更多人看到！",
    "内部员工爆料：{b}的{s}电池存在严重安全隐患，已经发生多起自燃，官方花钱删帖压消息，快转给身边的人！",
    "实测{s}续航连宣传的一半都不到，{b}涉嫌虚假宣传欺骗消费者，我们要集体维权，想加入的私信我！",
    "{b}老板被查，{s}马上停产，现在买车的都是冤大头，4S店已经跑路，车主赶紧退车！",
    "{b}的{s}质检报告造假，检测机构已经曝光，官方还在装死，这样的企业不配在市场上存在！",
    "扒一扒{b}花钱买水军删差评的内幕，{s}车主群全是托，真实车主的声音都被封了！",
]
NICK_A = ["快乐", "追风", "老司机", "阿强", "小雨", "车迷", "山城", "北方", "江南", "闲人", "夜行", "晴天", "大熊", "橙子"]
NICK_B = ["说车", "看车", "的日常", "开车去", "车评", "不吃香菜", "爱自驾", "2024", "在路上", "观察员", "君", "酱"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华"
CITIES = ["北京", "上海", "广州", "深圳", "杭州", "成都", "重庆", "武汉", "西安", "南京", "苏州", "郑州", "长沙", "合肥"]
MODELS = ["星途S7", "星途S9", "远航E3", "远航E5", "驰骋X6", "驰骋X8"]


def _fill(template: str, rng: random.Random) -> str:
    return template.format(b=rng.choice(BRANDS), s=rng.choice(SUBJECTS))


def chatter(rng: random.Random) -> str:
    """About 150 characters of ordinary owners' talk, varied enough not to look like a campaign."""
    parts = [_fill(s, rng) for s in rng.sample(SENTENCES, 5)]
    parts.append(f"（{rng.randint(1, 99999)}）{rng.choice(TAGS)}")
    return "".join(parts)


def campaign_post(template: int, rng: random.Random) -> str:
    """A near-duplicate of one campaign script: same core, small edits at the end."""
    base = CAMPAIGN_TEMPLATES[template % len(CAMPAIGN_TEMPLATES)].format(b=BRANDS[0], s=SUBJECTS[template % 5])
    return base + rng.choice(["", "！", "!!", "真的气人", "已经报警了", "大家评评理"]) + rng.choice(TAGS)


def nickname(rng: random.Random) -> str:
    return rng.choice(NICK_A) + rng.choice(NICK_B) + str(rng.randint(1, 9999))


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.randint(1, 2)))


def title(text: str) -> str:
    return text[:24]
