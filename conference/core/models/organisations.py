"""
Organisations, shared by all conferences: their kind, their position in the
value chain and their profile (texts, logo).
"""

import uuid

from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _
from django_countries.fields import CountryField


class OrganisationKind(models.TextChoices):
    RECYCLER = "recycler", _("Battery recycler")
    OEM = "oem", _("Car maker (OEM)")
    FINANCIER = "financier", _("Financier")
    GOVERNMENT = "government", _("Government")
    RESEARCH = "research", _("Research")
    INDUSTRY_BODY = "industry_body", _("Industry body")
    OTHER = "other", _("Other")


class ValueChain(models.TextChoices):
    """Where an organisation sits in the battery value chain (matchmaking pairs them)."""

    MINING = "mining", _("Mining")
    REFINING = "refining", _("Refining and processing")
    PRECURSOR = "precursor", _("Cathode and precursor")
    CELLS = "cells", _("Cell manufacturing")
    OEM = "oem", _("EV and car makers")
    RECYCLING = "recycling", _("Recycling and black mass")
    FINANCE = "finance", _("Finance")
    POLICY = "policy", _("Policy and standards")
    RESEARCH = "research", _("Research and development")
    SERVICES = "services", _("Services and trading")


def _image_path(instance, filename):
    # Unguessable names; images are served through a view that checks who asks.
    return f"images/{uuid.uuid4().hex}/{filename}"


class Organisation(models.Model):
    """An organisation, shared by all conferences."""

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=OrganisationKind.choices)
    country = CountryField(_("country"), blank=True)
    website = models.URLField(_("website"), blank=True)
    description = models.TextField(_("description"), blank=True)
    offers = models.TextField(_("what it offers"), blank=True)
    seeks = models.TextField(_("what it seeks"), blank=True)
    offers_ja = models.TextField(_("what it offers (Japanese)"), blank=True)
    seeks_ja = models.TextField(_("what it seeks (Japanese)"), blank=True)
    value_chain = models.CharField(
        _("position in the value chain"), max_length=20, choices=ValueChain.choices, blank=True
    )
    is_new_entrant = models.BooleanField(
        _("new entrant"),
        default=False,
        help_text=_("A young company or a first project: matchmaking can put financiers first."),
    )
    # Two sizes, written by the profile service (EXIF stripped).
    logo = models.FileField(_("logo"), upload_to=_image_path, blank=True, max_length=200)
    logo_small = models.FileField(upload_to=_image_path, blank=True, max_length=200)
    # Delegates may propose an organisation while registering; staff confirm it.
    confirmed = models.BooleanField(_("confirmed by staff"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.UniqueConstraint(Lower("name"), name="organisation_name_unique_ci"),
        ]
        indexes = [
            # The B2B directory filters by kind and country.
            models.Index(fields=["kind", "country"], name="organisation_kind_country"),
        ]

    def __str__(self):
        return self.name
