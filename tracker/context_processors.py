from .exports import LICENCE
from .siteurl import base_url


def site(request):
    return {"SITE_URL": base_url(request), "DATA_LICENCE": LICENCE}
