"""
Which webhook URLs the portal may call (SSRF).

An organiser types a URL and the worker POSTs to it from inside the
network: without a check, `http://169.254.169.254/` or `http://10.0.0.5/admin`
would make the portal a proxy into places no organiser should reach. So a
URL must be http(s), carry no credentials, and its host must resolve only to
public addresses, unless WEBHOOK_ALLOWED_NETWORKS names the network (a
receiver inside the embassy's own network; the tests' local receiver).

The check runs when the URL is registered and again before every delivery;
the delivery then connects to the very address that was checked (`Target`),
so a DNS answer that changes between the check and the connection (DNS
rebinding) cannot send the request elsewhere.
"""

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

# Addresses that are not "somewhere on the internet", beyond what the
# ipaddress properties name: shared address space behind carrier NAT, and the
# cloud metadata services (link-local in IPv4, a unique-local one on AWS IPv6).
CGNAT = ipaddress.ip_network("100.64.0.0/10")
METADATA = (ipaddress.ip_address("169.254.169.254"), ipaddress.ip_address("fd00:ec2::254"))


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect (`address`) and what to call it (`host`)."""

    url: str
    scheme: str
    host: str
    port: int
    address: str

    @property
    def pinned_url(self):
        """The URL with its host replaced by the checked address."""
        parts = urlsplit(self.url)
        address = f"[{self.address}]" if ":" in self.address else self.address
        return urlunsplit(
            (parts.scheme, f"{address}:{self.port}", parts.path or "/", parts.query, "")
        )

    @property
    def host_header(self):
        default = {"http": 80, "https": 443}[self.scheme]
        host = f"[{self.host}]" if ":" in self.host else self.host
        return host if self.port == default else f"{host}:{self.port}"


def _allowed_networks():
    networks = []
    for item in settings.WEBHOOK_ALLOWED_NETWORKS:
        networks.append(ipaddress.ip_network(item, strict=False))
    return networks


def address_refusal(address, allowed=None):
    """Why the portal must not call `address` (a translated reason), or "" if it may."""
    ip = ipaddress.ip_address(address)
    # ::ffff:127.0.0.1 is 127.0.0.1.
    if ip.version == 6 and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    allowed = _allowed_networks() if allowed is None else allowed
    if any(ip.version == network.version and ip in network for network in allowed):
        return ""
    if ip in METADATA:
        return _("a cloud metadata address")
    if ip.is_loopback:
        return _("a loopback address")
    if ip.is_unspecified:
        return _("an unspecified address")
    if ip.is_link_local:
        return _("a link-local address")
    if ip.is_multicast:
        return _("a multicast address")
    if ip.version == 4 and ip in CGNAT:
        return _("a carrier-grade NAT address")
    if ip.is_reserved:
        return _("a reserved address")
    if ip.is_private:
        return _("a private address")
    if not ip.is_global:
        return _("a reserved address")
    return ""


def url_check(url):
    """
    Check a webhook URL and resolve it: the `Target` to connect to (the first
    resolved address; every address the name resolves to must pass, so a
    name with one public and one private address is refused). Raises
    ValidationError with a message an organiser can act on.
    """
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ValidationError(_("This is not a valid URL.")) from exc
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise ValidationError(_("Use an http:// or https:// URL."))
    if parts.username is not None or parts.password is not None:
        raise ValidationError(
            _("Leave the user name and password out of the URL: requests are signed instead.")
        )
    host = parts.hostname
    if not host:
        raise ValidationError(_("The URL has no host name."))
    port = port or (443 if scheme == "https" else 80)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise ValidationError(
            _("The host name %(host)s does not resolve.") % {"host": host}
        ) from exc
    # getaddrinfo gives ("fe80::1%eth0", ...) for scoped addresses: drop the zone.
    addresses = list(dict.fromkeys(info[4][0].split("%")[0] for info in infos))
    if not addresses:
        raise ValidationError(_("The host name %(host)s does not resolve.") % {"host": host})
    allowed = _allowed_networks()
    for address in addresses:
        reason = address_refusal(address, allowed)
        if reason:
            raise ValidationError(
                _(
                    "%(host)s resolves to %(address)s, %(reason)s: webhooks are only sent "
                    "to public addresses."
                )
                % {"host": host, "address": address, "reason": reason}
            )
    return Target(url=url, scheme=scheme, host=host, port=port, address=addresses[0])
