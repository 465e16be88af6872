"""A delegate's badge as a page: its QR code on the phone, at the gate, also offline."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from conference.core.permissions import DELEGATE, conference_view
from conference.portal.badges import badge_qr


@require_GET
@conference_view(DELEGATE)
def my_badge_page(request, access):
    """
    The delegate's own badge: name, organisation and the QR code the gate
    scans (the same code as the PDF's). The service worker keeps it for
    offline use; it holds nothing the delegate's own PDF does not.
    """
    registration = access.registration
    code = registration.badge_code
    context = {
        "conference": access.conference,
        "registration": registration,
        # A data: URI (the CSP allows data: images, not inline SVG styles).
        "qr_uri": badge_qr(code).svg_data_uri(scale=8, border=4),
        "code_text": " ".join(code[i : i + 4] for i in range(0, len(code), 4)),
    }
    return render(request, "conference/my_badge.html", context)
