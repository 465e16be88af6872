"""
Draws the web app's icons (static/img/icons/) from the favicon's shapes
(static/img/favicon.svg: a battery with a lightning bolt on navy), with
Pillow, so that no SVG renderer or network is needed. Run it after changing
the favicon; the PNG files it writes are committed.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand
from PIL import Image, ImageDraw

NAVY = "#0b2545"
GLYPH = "#5eead4"
# Drawn this many times larger, then scaled down: smooth edges without antialiasing support.
SUPERSAMPLE = 4

# name: (size in pixels, maskable). A maskable icon fills its square; launchers
# cut it to a circle or squircle, keeping the central 80 % (the safe zone).
ICONS = {
    "icon-192.png": (192, False),
    "icon-512.png": (512, False),
    "icon-maskable-512.png": (512, True),
}


def icon_draw(size, *, maskable=False):
    """The icon as a `size`-pixel square RGBA image."""
    big = size * SUPERSAMPLE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    unit = big / 32  # the favicon's viewBox is 32 × 32
    if maskable:
        draw.rectangle((0, 0, big, big), fill=NAVY)
        # The glyph at 85 % about the centre: its farthest corner stays within
        # the safe zone's circle (radius 40 % of the side).
        scale, offset = unit * 0.85, big * 0.075
    else:
        draw.rounded_rectangle((0, 0, big - 1, big - 1), radius=7 * unit, fill=NAVY)
        scale, offset = unit, 0

    def box(x, y, width, height):
        return (
            offset + x * scale,
            offset + y * scale,
            offset + (x + width) * scale,
            offset + (y + height) * scale,
        )

    # The battery's outline, its terminal and the bolt (favicon.svg, same coordinates).
    draw.rounded_rectangle(
        box(7, 10, 16, 12), radius=2 * scale, outline=GLYPH, width=round(2 * scale)
    )
    draw.rounded_rectangle(box(23, 13.5, 3, 5), radius=1 * scale, fill=GLYPH)
    bolt = [(16, 12), (12, 17), (15, 17), (14, 21), (18, 16), (15, 16)]
    draw.polygon([(offset + x * scale, offset + y * scale) for x, y in bolt], fill=GLYPH)
    return image.resize((size, size), Image.Resampling.LANCZOS)


class Command(BaseCommand):
    help = "Draws the web app's PNG icons into static/img/icons/."

    def handle(self, *args, **options):
        folder = Path(settings.BASE_DIR) / "static" / "img" / "icons"
        folder.mkdir(parents=True, exist_ok=True)
        for name, (size, maskable) in ICONS.items():
            icon_draw(size, maskable=maskable).save(folder / name, optimize=True)
            self.stdout.write(f"{folder / name} ({size} × {size})")
