"""The platforms the department watches, with the stable codes of the API contract."""

from django.db import migrations

PLATFORMS = [
    # code, Chinese name, English name, domains, complaint channel
    ("weibo", "微博", "Weibo", ["weibo.com", "weibo.cn"], "微博社区管理中心 · 企业举报（需实名认证账号）"),
    ("douyin", "抖音", "Douyin", ["douyin.com", "iesdouyin.com"], "抖音企业号侵权投诉 / 涉企举报专区"),
    ("kuaishou", "快手", "Kuaishou", ["kuaishou.com", "gifshow.com"], "快手侵权投诉"),
    ("bilibili", "哔哩哔哩", "Bilibili", ["bilibili.com", "b23.tv"], "哔哩哔哩涉企举报专区"),
    ("xiaohongshu", "小红书", "Xiaohongshu", ["xiaohongshu.com", "xhslink.com"], "小红书涉企不实信息侵权举报专区"),
    ("wechat", "微信公众号/视频号", "WeChat", ["mp.weixin.qq.com", "channels.weixin.qq.com"], "微信侵权投诉"),
    ("toutiao", "今日头条", "Toutiao", ["toutiao.com"], "今日头条侵权投诉"),
    ("dongchedi", "懂车帝", "Dongchedi", ["dongchedi.com"], "懂车帝侵权投诉"),
    ("autohome", "汽车之家", "Autohome", ["autohome.com.cn"], "汽车之家侵权投诉"),
    ("zhihu", "知乎", "Zhihu", ["zhihu.com"], "知乎侵权举报"),
    ("yiche", "易车", "Yiche", ["yiche.com", "bitauto.com"], "易车侵权投诉"),
    ("pcauto", "太平洋汽车", "PCauto", ["pcauto.com.cn"], "太平洋汽车侵权投诉"),
    ("other", "其他", "Other", [], "12377 涉企网络侵权举报专区"),
]


def add_platforms(apps, schema_editor):
    Platform = apps.get_model("cases", "Platform")
    for order, (code, name_zh, name_en, domains, channel) in enumerate(PLATFORMS, start=1):
        Platform.objects.update_or_create(
            code=code,
            defaults={
                "name_zh": name_zh,
                "name_en": name_en,
                "domains": domains,
                "complaint_channel": channel,
                "sort_order": order * 10,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("cases", "0002_audit_triggers")]

    operations = [migrations.RunPython(add_platforms, migrations.RunPython.noop)]
