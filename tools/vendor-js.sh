#!/usr/bin/env bash
# Fetch the JavaScript the HTML book needs to render offline, from the npm registry,
# into DEST (the Makefile uses _extra/vendor, served as _build/html/vendor/):
#   DEST/mathjax       mathjax@3.2.2                       (es5/: tex-mml-chtml, fonts, extensions)
#   DEST/requirejs     requirejs@2.3.8                     (require.js)
#   DEST/html-manager  @jupyter-widgets/html-manager@1.0.15 (dist/embed-amd.js and its fonts)
# Pinned versions; the licence files (or, where a package ships none, its package.json with
# the licence field and the licence header of its script) are kept next to the code.
# Idempotent: a DEST whose .stamp records the same versions is left as it is.
#   usage: bash tools/vendor-js.sh DEST
set -euo pipefail

DEST=${1:?usage: bash tools/vendor-js.sh DEST}
PACKAGES=(mathjax@3.2.2 requirejs@2.3.8 @jupyter-widgets/html-manager@1.0.15)
STAMP="$DEST/.stamp"
# The stamp records the versions and this script's checksum: a change to either re-vendors.
WANT="${PACKAGES[*]} script-sha256=$(sha256sum "${BASH_SOURCE[0]}" | cut -c1-16)"

if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ] \
   && [ -f "$DEST/mathjax/es5/tex-mml-chtml.js" ] && [ -f "$DEST/requirejs/require.js" ] \
   && [ -f "$DEST/html-manager/dist/embed-amd.js" ]; then
    touch "$STAMP"   # newer than this script, for make
    exit 0
fi

if ! command -v npm >/dev/null 2>&1; then
    echo "vendor-js: npm is not installed; it is needed to fetch ${PACKAGES[*]} from the npm registry." >&2
    echo "  Install Node.js and npm (Debian/Ubuntu: apt-get install -y npm), then run this again." >&2
    exit 1
fi

WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT

echo "vendor-js: npm pack ${PACKAGES[*]}"
( cd "$WORK" && npm pack --silent "${PACKAGES[@]}" >/dev/null )

unpack() {  # unpack TARBALL-GLOB DIR: the package/ folder of the tarball becomes DIR
    local tgz
    tgz=$(ls "$WORK"/$1)
    mkdir -p "$WORK/$2"
    tar -xzf "$tgz" -C "$WORK/$2" --strip-components=1
}
unpack 'mathjax-3.2.2.tgz' mathjax
unpack 'requirejs-2.3.8.tgz' requirejs
unpack 'jupyter-widgets-html-manager-1.0.15.tgz' html-manager

# Keep only what the pages load.
STAGE="$WORK/stage"
mkdir -p "$STAGE/mathjax" "$STAGE/requirejs" "$STAGE/html-manager/dist"

# MathJax: es5/ without the SVG output, the combined builds Sphinx does not use and the node entry.
cp "$WORK/mathjax/LICENSE" "$WORK/mathjax/package.json" "$STAGE/mathjax/"
cp -r "$WORK/mathjax/es5" "$STAGE/mathjax/es5"
rm -rf "$STAGE/mathjax/es5/output/svg" "$STAGE/mathjax/es5/output/svg.js" \
       "$STAGE/mathjax/es5/node-main.js" "$STAGE/mathjax/es5/adaptors"
rm -f "$STAGE"/mathjax/es5/*-svg*.js "$STAGE"/mathjax/es5/*-full*.js

# require.js (MIT; the licence is in its header and package.json).
cp "$WORK/requirejs/require.js" "$WORK/requirejs/package.json" "$WORK/requirejs/README.md" "$STAGE/requirejs/"

# The widget manager: the AMD embed bundle and the font files its CSS points at
# (BSD-3-Clause, in package.json; bundled licences in dist/embed.js.LICENSE.txt).
cp "$WORK/html-manager/package.json" "$STAGE/html-manager/"
cp "$WORK/html-manager/dist/embed-amd.js" "$WORK/html-manager/dist/embed.js.LICENSE.txt" "$STAGE/html-manager/dist/"
cp "$WORK"/html-manager/dist/*.woff2 "$WORK"/html-manager/dist/*.woff "$WORK"/html-manager/dist/*.ttf \
   "$WORK"/html-manager/dist/*.eot "$WORK"/html-manager/dist/*.svg "$STAGE/html-manager/dist/"

cat > "$STAGE/README.txt" <<TXT
Third-party JavaScript fetched by tools/vendor-js.sh from the npm registry, so that
the HTML book renders without a network. Do not edit; do not commit (git-ignored).
  mathjax/       mathjax@3.2.2                        Apache-2.0   (mathjax/LICENSE)
  requirejs/     requirejs@2.3.8                      MIT          (header of require.js, package.json)
  html-manager/  @jupyter-widgets/html-manager@1.0.15 BSD-3-Clause (package.json, dist/embed.js.LICENSE.txt)
TXT

# Replace DEST in one step, so a failure above leaves the old copy in place.
mkdir -p "$DEST"
rm -rf "$DEST/mathjax" "$DEST/requirejs" "$DEST/html-manager" "$DEST/README.txt" "$STAMP"
mv "$STAGE/mathjax" "$STAGE/requirejs" "$STAGE/html-manager" "$STAGE/README.txt" "$DEST/"
echo "$WANT" > "$STAMP"
echo "vendor-js: $(du -sh "$DEST" | cut -f1) in $DEST"
