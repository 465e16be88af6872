from django.conf import settings


def portal(request):
    """The conference and the viewer's roles, for the navigation in base.html."""
    return {
        "access": getattr(request, "access", None),
        "SITE_NAME": settings.SITE_NAME,
    }
