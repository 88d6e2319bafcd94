"""Draw the map markers (48x48 PNG): a green tree for a tree free to adopt, a grey one for
a tree already adopted or dead, and a green shop for an alliance merchant.
`python make_markers.py` from here.

Not shipped in the mini-program package (see packOptions in project.config.json).
"""

from pathlib import Path

from PIL import Image, ImageDraw

SIZE, SCALE = 48, 4
GREEN, GREY = (25, 161, 95, 255), (150, 162, 155, 255)
TRUNK = (122, 86, 52, 255)
OUT = Path(__file__).resolve().parent.parent / "map"


def tree(color):
    image = Image.new("RGBA", (SIZE * SCALE, SIZE * SCALE), (0, 0, 0, 0))
    d = ImageDraw.Draw(image)
    s = lambda *v: [x * SCALE for x in v]  # noqa: E731
    d.rectangle(s(21, 30, 27, 45), fill=TRUNK)
    d.ellipse(s(8, 4, 40, 34), fill=color, outline=(255, 255, 255, 255), width=2 * SCALE)
    return image.resize((SIZE, SIZE), Image.LANCZOS)


def shop():
    image = Image.new("RGBA", (SIZE * SCALE, SIZE * SCALE), (0, 0, 0, 0))
    d = ImageDraw.Draw(image)
    s = lambda *v: [x * SCALE for x in v]  # noqa: E731
    d.ellipse(s(4, 4, 44, 44), fill=GREEN, outline=(255, 255, 255, 255), width=2 * SCALE)
    d.rectangle(s(14, 22, 34, 34), fill=(255, 255, 255, 255))  # the shop front
    d.polygon(s(11, 22, 24, 13, 37, 22), fill=(255, 255, 255, 255))  # its awning
    d.rectangle(s(21, 27, 27, 34), fill=GREEN)  # the door
    return image.resize((SIZE, SIZE), Image.LANCZOS)


if __name__ == "__main__":
    OUT.mkdir(exist_ok=True)
    tree(GREEN).save(OUT / "tree-free.png", optimize=True)
    tree(GREY).save(OUT / "tree-taken.png", optimize=True)
    shop().save(OUT / "shop.png", optimize=True)
