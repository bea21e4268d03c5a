from ninja import Router
router = Router(tags=["云调研"])
