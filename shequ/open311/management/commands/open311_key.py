"""Create an Open311 client key and print it once: ``manage.py open311_key "某某App" [--district 110105]``."""
from django.core.management.base import BaseCommand, CommandError

from shequ.jurisdiction.models import Level, Node
from shequ.open311.errors import Open311Error
from shequ.open311.services import api_key_create


class Command(BaseCommand):
    help = "创建 Open311 客户端密钥(只显示一次)"

    def add_arguments(self, parser):
        parser.add_argument("name", help="客户端名称")
        parser.add_argument("--district", default="", help="限定的区(行政区划代码)")
        parser.add_argument("--batch", action="store_true", help="提交后返回令牌而不是诉求编号")

    def handle(self, *args, name, district, batch, **options):
        node = None
        if district:
            node = Node.objects.filter(level=Level.DISTRICT, code=district).first()
            if node is None:
                raise CommandError(f"区 {district} 不存在")
        try:
            api_key, key = api_key_create(actor=None, name=name, district=node, batch=batch)
        except Open311Error as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(f"{api_key.name}: {key}")
        self.stdout.write(self.style.WARNING("密钥只显示这一次,请妥善保存。"))
