"""Fetch the handwriting fonts the shipped model trains on (build time only).

    python scripts/fetch_style_fonts.py [--fonts DIR]

``scripts/build_pretrained.py --font-digits SHARE`` calls :func:`fetch_fonts`
itself; run this script alone to fill the cache before an offline build, or
to look at the fonts and their licences.

The fonts are Google Fonts handwriting families as the Fontsource project
packages them on npm (``@fontsource/<family>``). For each pinned package and
version (:data:`STYLE_FONTS`), :func:`fetch_fonts`

1. runs ``npm pack @fontsource/<family>@<version>`` into the cache folder
   (``~/.cache/skdigits-build/fonts``, or ``--fonts DIR``), unless the
   tarball is there already;
2. checks the tarball's sha256 against the one pinned here, and refuses it
   otherwise;
3. checks the package's own metadata: its name, version, family, that its
   category is "handwriting", and its licence;
4. extracts the Latin WOFF files of the pinned weights (WOFF 1.0: FreeType,
   and so Pillow, reads it with zlib alone; WOFF2 would need a FreeType
   built with brotli), and the licence text;
5. writes ``fonts.json`` (family, package, version, licence, attribution,
   checksums) and ``LICENCES.md`` (each font's licence text) beside them.

Nothing of this is in the package or needed at run time: skdigits reads no
font of these; only the build script renders digits from them
(:func:`skdigits.datasets.render_font_digits`), and records the fonts and
their licences in the shipped model's provenance (``about``).

**Separation from the benchmark.** The robustness benchmark reads every font
fontconfig knows (``fc-list``), among them the handwriting fonts of its
Debian packages. No family here is one of those (``tests/
test_datasets_styles.py`` compares the names with the benchmark's), and the
cache folder is not one fontconfig reads. :func:`fetch_fonts` also refuses a
pinned family that fontconfig knows on the building machine.

**The European 1.** Some of these fonts write 1 with a long flag and no foot
(:attr:`StyleFont.one_or_seven`): the shape of a 7 without a bar.
:func:`font_training_digits` labels those 1s with 1 and 7 in turn, as
:func:`skdigits.datasets.make_style_digits` does its own (the rule is in
"Reading your own digits" in the docs).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

#: Where the fonts are cached: outside the package and outside every folder
#: fontconfig reads.
CACHE = (
    Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    / "skdigits-build"
    / "fonts"
)


@dataclass(frozen=True)
class StyleFont:
    """One pinned npm package of a handwriting font.

    ``family``, ``version`` and ``licence`` must be what the package's own
    metadata says; ``sha256`` is the tarball's. ``weights`` are the Latin
    weights extracted. ``one_or_seven``: its 1 has a flag reaching out a
    fifth of the height or more to the left of the stem and no foot (the
    measured reach is in :data:`STYLE_FONTS`'s comments), so it is also a 7
    without a bar.
    """

    family: str
    package: str
    version: str
    licence: str
    sha256: str
    weights: tuple[int, ...] = (400,)
    one_or_seven: bool = False

    @property
    def slug(self) -> str:
        return self.package.rsplit("/", 1)[-1]


def _font(family, licence, sha256, **kwargs) -> StyleFont:
    slug = re.sub(r"[^a-z0-9]+", "-", family.lower()).strip("-")
    return StyleFont(family, f"@fontsource/{slug}", "5.3.0", licence, sha256, **kwargs)


#: The fonts, chosen by looking at their digits (each draws ten handwritten
#: digits). Comments: the reach of the 1's flag left of its stem, in shares
#: of its height, where it has one.
STYLE_FONTS: tuple[StyleFont, ...] = (
    _font(
        "Architects Daughter",
        "OFL-1.1",
        "791d2009fbdc46ca3eb942c27c62c0ee353668cd290dfad17f401b8488c727a1",
    ),
    _font(
        "Caveat",
        "OFL-1.1",
        "ebf746fc0667b9d10fcac7c8604e2ba40a264da85a1c9b48bd679c0af3221293",
        weights=(400, 700),
        one_or_seven=True,  # 0.25
    ),
    _font(
        "Coming Soon",
        "Apache-2.0",
        "aac84961066a709d468766331ec2dcbe9c45bbf5260537ca859e411703d20395",
        one_or_seven=True,  # 0.23
    ),
    _font(
        "Covered By Your Grace",
        "OFL-1.1",
        "1bd27256356f90c7bc7b463d36c05565ef4b3d655bc56d0dd7b7387114b1308d",
    ),
    _font(
        "Gaegu",
        "OFL-1.1",
        "a288e8e1d8ba3b288bee36088ad49f3e393797b96c2cca489efcbce47d918f6f",
        weights=(400, 700),
    ),
    _font(
        "Gloria Hallelujah",
        "OFL-1.1",
        "8755cc046e06286eeebee193f9f753bd0f03eec44c7bf188fc883db66e7a9d91",
    ),
    _font(
        "Gochi Hand",
        "OFL-1.1",
        "6e206b6139093775d8762503196d6d991408bd5f8393ea0357f4f89b75b195a3",
        one_or_seven=True,  # 0.56
    ),
    _font(
        "Handlee",
        "OFL-1.1",
        "e1fbeba16906d4807b42add8ab85dec533c3e667575be00ba96f050b5fc452ce",
        one_or_seven=True,  # 0.23
    ),
    _font(
        "Homemade Apple",
        "Apache-2.0",
        "0ad668da20f63bd47bb32c86e160a7cae8ef0f2e1844c405bc40e278c86b91d0",
    ),
    _font(
        "Indie Flower",
        "OFL-1.1",
        "be380503f1e2c5ef08b8399a28f8cb2f1725527db2cb6aacec3037c2bd1b9083",
        one_or_seven=True,  # 0.20
    ),
    _font(
        "Just Another Hand",
        "Apache-2.0",
        "58754de1b8784c97defb535f0c7e5d683ace09c17533e20c0c8c627da8239d2f",
    ),
    _font(
        "Kalam",
        "OFL-1.1",
        "0aaf22523f3c57ae19f32c4f4df0d43d6efd01b7563a19cf4ed818cd5601426d",
        weights=(400, 700),
    ),
    _font(
        "La Belle Aurore",
        "OFL-1.1",
        "48be5aefc80ad78aa9b2b1c992dd65678235c2496ae2a88f694e594ab9d7abed",
    ),
    _font(
        "Nanum Pen Script",
        "OFL-1.1",
        "91c7118b1d68e8ab576addbae76351857cf5c3656b7ee496c51fe16f01258a44",
    ),
    _font(
        "Neucha",  # 0.21, with a foot: a 1
        "OFL-1.1",
        "8f2718549556a0c406a766edc9689801a950dc79a71cbb646fc5e2d67c49cca0",
    ),
    _font(
        "Nothing You Could Do",
        "OFL-1.1",
        "dac48ef024df5e754bf8586157d73d0dba139d6353f28b9ec6de77b0dadf0add",
    ),
    _font(
        "Over the Rainbow",
        "OFL-1.1",
        "5f231cee244b4c3a734da05bf23d4e07fec1062ffa1824358e933f59fc94e313",
    ),
    _font(
        "Patrick Hand",
        "OFL-1.1",
        "c3428d02610c7b8fa92b044cf766f8c30b88bb32a47460b4ac42fa14e0bcdcc0",
        one_or_seven=True,  # 0.31
    ),
    _font(
        "Permanent Marker",
        "Apache-2.0",
        "1fc372d174353a87b0ae7bb9651e32e7d1731f9e0b4c50c5d8704baea032bc1b",
    ),
    _font(
        "Reenie Beanie",
        "OFL-1.1",
        "8a2406f9b3c0b76199dcd87288ea40480fcd8547ba1af2f9f3156205f1688be9",
        one_or_seven=True,  # 0.31
    ),
    _font(
        "Rock Salt",
        "Apache-2.0",
        "c298a87c9a667bcd034b4a5c87430394a0d9bdc03ff6182eaacac2abb868db57",
    ),
    _font(
        "Schoolbell",
        "Apache-2.0",
        "08901884344f129587928d2260a84e6d8cc7baae54ecdce19ff225694314b704",
    ),
    _font(
        "Shadows Into Light",
        "OFL-1.1",
        "0885aefd34c65bd79207cffff0771ae0527f227a202bc850f8cf9a12257fc7f1",
    ),
    _font(
        "Sue Ellen Francisco",
        "OFL-1.1",
        "93c9f047a1709b2879db10b52058ffba7c1642f0acbec422eb358433c937ee00",
    ),
    _font(
        "Waiting for the Sunrise",
        "OFL-1.1",
        "6f9c645d858526553e72f0b56abb32742d5d4c10d6acdb392e5d3fa843ef7141",
    ),
    _font(
        "Zeyada",
        "OFL-1.1",
        "bf6eb4164a796a1b91405188b95455aa7e1fad447f37195e9f767efee21e336a",
    ),
)

#: Families looked at and left out, and why.
REJECTED: dict[str, str] = {
    "Itim": "a rounded sans (Thai and Latin): its digits read as print, and "
    "its 1 has a printed foot",
    "Sriracha": "heavy italic brush lettering: display type, not a hand",
    # Read by the robustness benchmark (its Debian packages): never trained on.
    "Comic Neue": "the benchmark reads it (fonts-comic-neue)",
    "Dancing Script": "the benchmark reads it (fonts-dancingscript)",
    "Kaushan Script": "the benchmark reads it (fonts-kaushanscript)",
    "Humor Sans": "the benchmark reads it (fonts-humor-sans)",
}


class FontFetchError(RuntimeError):
    """A font could not be fetched, or is not the pinned one."""


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def npm_pack(spec: str, destination: Path) -> Path:
    """``npm pack SPEC`` into ``destination``: the registry's tarball."""
    npm = shutil.which("npm")
    if npm is None:
        raise FontFetchError(
            "npm is needed to fetch the fonts (Debian: apt-get install npm), "
            "or a cache folder that holds them already."
        )
    subprocess.run(
        [npm, "pack", spec, "--pack-destination", str(destination), "--silent"],
        check=True,
        capture_output=True,
        text=True,
    )
    (tarball,) = destination.glob("*.tgz")
    return tarball


def installed_families() -> set[str]:
    """The font families fontconfig knows on this machine (none without it)."""
    if shutil.which("fc-list") is None:
        return set()
    out = subprocess.run(
        ["fc-list", "--format", "%{family}\n"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    return {name.strip() for line in out.splitlines() for name in line.split(",")}


def same_family(a: str, b: str) -> bool:
    """Family names compared as people mean them: case, spaces, hyphens and
    underscores aside ("Ecolier_court" is "Ecolier Court")."""

    def key(name: str) -> str:
        return re.sub(r"[^0-9a-z]", "", name.casefold())

    return key(a) == key(b)


def _member(archive: tarfile.TarFile, name: str) -> bytes:
    try:
        member = archive.getmember(f"package/{name}")
    except KeyError:
        raise FontFetchError(f"the package has no {name}") from None
    return archive.extractfile(member).read()


def _fetch_one(
    font: StyleFont, folder: Path, pack: Callable[[str, Path], Path]
) -> dict:
    spec = f"{font.package}@{font.version}"
    tarball = folder / "packages" / f"{font.slug}-{font.version}.tgz"
    if not (tarball.is_file() and _sha256(tarball.read_bytes()) == font.sha256):
        tarball.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as tmp:
            packed = pack(spec, Path(tmp))
            data = packed.read_bytes()
        if _sha256(data) != font.sha256:
            raise FontFetchError(
                f"{spec}: the tarball's sha256 is {_sha256(data)}, not the pinned "
                f"{font.sha256}; refusing it."
            )
        tarball.write_bytes(data)
    data = tarball.read_bytes()
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        package = json.loads(_member(archive, "package.json"))
        metadata = json.loads(_member(archive, "metadata.json"))
        licence_text = _member(archive, "LICENSE").decode("utf-8", "replace")
        checks = {
            "name": (package.get("name"), font.package),
            "version": (package.get("version"), font.version),
            "family": (metadata.get("family"), font.family),
            "category": (metadata.get("category"), "handwriting"),
            "licence": ((metadata.get("license") or {}).get("type"), font.licence),
            "package licence": (package.get("license"), font.licence),
        }
        wrong = {k: got for k, (got, want) in checks.items() if got != want}
        if wrong:
            raise FontFetchError(f"{spec} is not the pinned font: {wrong}")
        files = []
        for weight in font.weights:
            name = f"{font.slug}-latin-{weight}-normal.woff"
            content = _member(archive, f"files/{name}")
            path = folder / font.slug / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
            files.append({"file": str(path), "sha256": _sha256(content)})
    return {
        "family": font.family,
        "package": font.package,
        "version": font.version,
        "licence": font.licence,
        "attribution": (metadata.get("license") or {}).get("attribution"),
        "google_fonts_version": metadata.get("version"),
        "source": metadata.get("source"),
        "tarball_sha256": font.sha256,
        "files": files,
        "one_or_seven": font.one_or_seven,
        "licence_text": licence_text,
    }


def fetch_fonts(
    folder: str | os.PathLike[str] = CACHE,
    fonts: Sequence[StyleFont] | None = None,
    *,
    pack: Callable[[str, Path], Path] | None = None,
    installed: Callable[[], set[str]] | None = None,
) -> list[dict]:
    """Fetch, check and extract the pinned fonts; return what was fetched.

    Returns one record per font (family, package, version, licence,
    attribution, checksums, the extracted ``files`` and ``one_or_seven``),
    also written to ``fonts.json`` in ``folder``, with the licence texts in
    ``LICENCES.md``. ``fonts`` defaults to :data:`STYLE_FONTS`, ``pack`` to
    :func:`npm_pack` and ``installed`` to :func:`installed_families`.
    Tarballs already in ``folder`` with the pinned checksum are not fetched
    again. Raises :class:`FontFetchError` for a checksum or
    metadata that is not the pinned one, or a family fontconfig knows here
    (the robustness benchmark would read it).
    """
    folder = Path(folder)
    fonts = STYLE_FONTS if fonts is None else fonts
    pack = npm_pack if pack is None else pack
    known = (installed_families if installed is None else installed)()
    clash = [f.family for f in fonts if any(same_family(f.family, k) for k in known)]
    if clash:
        raise FontFetchError(
            f"fontconfig knows {clash} on this machine: the robustness benchmark "
            "reads every such font, so none may be trained on."
        )
    records = [_fetch_one(font, folder, pack) for font in fonts]
    public = [{k: v for k, v in r.items() if k != "licence_text"} for r in records]
    (folder / "fonts.json").write_text(json.dumps(public, indent=1) + "\n")
    lines = [
        "# Fonts the shipped model's build renders training digits from",
        "",
        "Fetched by scripts/fetch_style_fonts.py from the npm registry",
        "(Fontsource's packages of Google Fonts). Not shipped: digits rendered",
        "from them are training images only.",
        "",
    ]
    for r in records:
        lines += [
            f"## {r['family']} ({r['package']}@{r['version']}, {r['licence']})",
            "",
            "```text",
            r["licence_text"].strip(),
            "```",
            "",
        ]
    (folder / "LICENCES.md").write_text("\n".join(lines))
    return public


def provenance(records: Sequence[dict]) -> list[dict]:
    """What the shipped model's ``about`` records of each font."""
    keys = ("family", "package", "version", "licence", "attribution")
    return [
        {
            **{k: r[k] for k in keys},
            "tarball_sha256": r["tarball_sha256"],
            "files": [Path(f["file"]).name for f in r["files"]],
            "one_or_seven": r["one_or_seven"],
        }
        for r in records
    ]


def font_training_digits(
    records: Sequence[dict],
    n_samples: int,
    random_state: int | np.random.RandomState | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """``n_samples`` digits rendered from the fetched fonts, as training images.

    Every digit is equally common and every font file takes its turn
    (:func:`skdigits.datasets.render_font_digits`), except that the 1s of
    the fonts whose 1 is also a 7 without a bar (``one_or_seven``) are
    labelled 1 and 7 in turn.
    """
    from sklearn.utils import check_random_state

    from skdigits.datasets import render_font_digits

    rng = check_random_state(random_state)
    files = [f["file"] for r in records for f in r["files"]]
    flagged = [f["file"] for r in records if r["one_or_seven"] for f in r["files"]]
    plain = [f for f in files if f not in flagged]
    n_ones = n_samples // 10
    n_flagged = round(n_ones * len(flagged) / len(files))
    parts = [
        render_font_digits(
            files,
            n_samples - n_ones,
            digits=[0, 2, 3, 4, 5, 6, 7, 8, 9],
            random_state=rng,
        )
    ]
    if plain:
        parts.append(
            render_font_digits(plain, n_ones - n_flagged, digits=[1], random_state=rng)
        )
    if flagged:
        X, y = render_font_digits(flagged, n_flagged, digits=[1], random_state=rng)
        y[1::2] = 7
        parts.append((X, y))
    return np.concatenate([X for X, _ in parts]), np.concatenate([y for _, y in parts])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--fonts",
        type=Path,
        default=CACHE,
        metavar="DIR",
        help="the cache folder (default: %(default)s)",
    )
    args = parser.parse_args(argv)
    try:
        records = fetch_fonts(args.fonts)
    except FontFetchError as exc:
        sys.exit(f"error: {exc}")
    for r in records:
        flag = "  (its 1 is also a 7)" if r["one_or_seven"] else ""
        print(f"{r['family']:24s} {r['package']}@{r['version']}  {r['licence']}{flag}")
    print(f"{len(records)} fonts in {args.fonts} (fonts.json, LICENCES.md).")
    return 0


if __name__ == "__main__":
    sys.exit(main())
