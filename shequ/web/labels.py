"""Mark for translation the Chinese labels other modules produce as plain text.

``jurisdiction.selectors`` returns deviation labels as plain strings; templates translate them
with ``{% translate label %}``, and listing them here lets ``makemessages`` find them.
"""
from django.utils.translation import gettext_noop

DEVIATION_LABELS = [
    gettext_noop("楼栋未划入网格(社区—楼栋,缺少网格层级)"),
    gettext_noop("小区位于网格之下(层级倒置)"),
    gettext_noop("网格位于楼栋之下(如“楼组”式四级划分)"),
    gettext_noop("单元不在楼栋之下"),
    gettext_noop("社区/村未划分网格"),
]
