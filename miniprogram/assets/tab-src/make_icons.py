"""Draw the tab bar icons (81x81 PNG, grey and green): `python make_icons.py` from here.

Not shipped in the mini-program package (see packOptions in project.config.json).
"""

from pathlib import Path

from PIL import Image, ImageDraw

SIZE, SCALE = 81, 4
GREY, GREEN = (138, 154, 144, 255), (25, 161, 95, 255)
OUT = Path(__file__).resolve().parent.parent / "tab"


def canvas():
    image = Image.new("RGBA", (SIZE * SCALE, SIZE * SCALE), (0, 0, 0, 0))
    return image, ImageDraw.Draw(image)


def s(*values):
    return [v * SCALE for v in values]


def leaf(color):
    image, d = canvas()
    leaf_layer = Image.new("RGBA", image.size, (0, 0, 0, 0))
    ld = ImageDraw.Draw(leaf_layer)
    ld.ellipse(s(22, 10, 60, 66), fill=color)
    leaf_layer = leaf_layer.rotate(-35, center=(41 * SCALE, 40 * SCALE))
    image.alpha_composite(leaf_layer)
    d.line(s(24, 70, 50, 32), fill=(255, 255, 255, 255), width=4 * SCALE)
    d.line(s(18, 76, 28, 64), fill=color, width=5 * SCALE)
    return image


def check(color):
    image, d = canvas()
    d.ellipse(s(10, 10, 71, 71), outline=color, width=6 * SCALE)
    d.line(s(25, 41, 36, 52, 57, 30), fill=color, width=7 * SCALE, joint="curve")
    return image


def bag(color):
    image, d = canvas()
    d.arc(s(26, 10, 55, 44), 180, 360, fill=color, width=5 * SCALE)
    d.polygon(s(17, 27, 64, 27, 69, 72, 12, 72), fill=color)
    d.arc(s(29, 33, 52, 56), 20, 160, fill=(255, 255, 255, 255), width=5 * SCALE)
    return image


def person(color):
    image, d = canvas()
    d.ellipse(s(27, 8, 54, 35), fill=color)
    d.pieslice(s(12, 40, 69, 100), 180, 360, fill=color)
    return image


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for name, draw in (("home", leaf), ("checkin", check), ("mall", bag), ("me", person)):
        for suffix, color in (("", GREY), ("-active", GREEN)):
            icon = draw(color).resize((SIZE, SIZE), Image.LANCZOS)
            icon.save(OUT / f"{name}{suffix}.png", optimize=True)


if __name__ == "__main__":
    main()
