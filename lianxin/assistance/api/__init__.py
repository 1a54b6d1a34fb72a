"""The assistance API, mounted at /api/v1/assistance: one router made of the areas' routers."""

from ninja import Router

from . import applications, files, funds, mutual_aid, pairing, stats

router = Router(tags=["assistance"])
router.add_router("", files.router)
router.add_router("", applications.router)
router.add_router("", funds.router)
router.add_router("", mutual_aid.router)
router.add_router("", pairing.router)
router.add_router("", stats.router)
