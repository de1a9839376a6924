"""Copy the front-end assets installed by npm (package-lock.json) into static/vendor/.

Only the files named in FILES are copied: the devDependencies (ESLint and its config packages,
used by `make lint-js`) stay in node_modules and never reach static/vendor or collectstatic."""

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NM = ROOT / "node_modules"
VENDOR = ROOT / "static" / "vendor"

FILES = {
    "bootstrap/dist/css/bootstrap.rtl.min.css": "bootstrap/bootstrap.rtl.min.css",
    "bootstrap/dist/css/bootstrap.rtl.min.css.map": "bootstrap/bootstrap.rtl.min.css.map",
    "vazirmatn/fonts/webfonts/Vazirmatn[wght].woff2": "vazirmatn/Vazirmatn[wght].woff2",
    "vazirmatn/OFL.txt": "vazirmatn/OFL.txt",
    # Static TrueType faces for the PDF case record (WeasyPrint embeds a subset of them).
    "vazirmatn/fonts/ttf/Vazirmatn-Regular.ttf": "vazirmatn/Vazirmatn-Regular.ttf",
    "vazirmatn/fonts/ttf/Vazirmatn-Bold.ttf": "vazirmatn/Vazirmatn-Bold.ttf",
    "@majidh1/jalalidatepicker/dist/jalalidatepicker.min.js": "jalalidatepicker/jalalidatepicker.min.js",
    "@majidh1/jalalidatepicker/dist/jalalidatepicker.min.css": "jalalidatepicker/jalalidatepicker.min.css",
}


def main():
    missing = [src for src in FILES if not (NM / src).exists()]
    if missing:
        sys.exit(f"missing npm assets (run npm ci): {missing}")
    for src, dst in FILES.items():
        target = VENDOR / dst
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(NM / src, target)
    print(f"copied {len(FILES)} assets into {VENDOR.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
