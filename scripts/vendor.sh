#!/usr/bin/env bash
# Fetch the front-end libraries from the npm registry and copy the files the pages use under static/vendor/,
# and the Chinese font of generated PDFs (core/pdf.py), subset by scripts/subset_font.py, under core/fonts/.
# The result is committed: pages never load anything from a CDN (deployments sit on intranets), and PDFs show
# Chinese on a machine with no Chinese font installed.
# To upgrade: change a version below, run `make vendor`, look at the pages (and a ledger's PDF index), commit.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(
  "bootstrap@5.3.9"
  "bootstrap-icons@1.13.2"
  "htmx.org@2.0.11"
  "tom-select@2.6.2"
  "echarts@6.1.0"
)
# Noto Sans SC Regular (SIL Open Font License), as a TrueType file: fpdf2 embeds TrueType outlines.
FONT_PACKAGE="@expo-google-fonts/noto-sans-sc@0.4.3"
PYTHON=${PYTHON:-.venv/bin/python}  # needs fontTools (a runtime requirement, through fpdf2)

out=static/vendor
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fetch() {  # fetch NAME@VERSION -> $work/NAME/package
  local spec=$1 name=${1%@*}
  mkdir -p "$work/$name"
  (cd "$work/$name" && npm pack --silent "$spec" >/dev/null 2>&1 && tar xzf ./*.tgz)
}

for spec in "${PACKAGES[@]}"; do fetch "$spec"; done
rm -rf "$out" && mkdir -p "$out"/{bootstrap/css,bootstrap/js,bootstrap-icons/fonts,htmx,tom-select,echarts}

cp "$work/bootstrap/package/dist/css/bootstrap.min.css" "$work/bootstrap/package/dist/css/bootstrap.min.css.map" "$out/bootstrap/css/"
cp "$work/bootstrap/package/dist/js/bootstrap.bundle.min.js" "$work/bootstrap/package/dist/js/bootstrap.bundle.min.js.map" "$out/bootstrap/js/"
cp "$work/bootstrap/package/LICENSE" "$out/bootstrap/"
cp "$work/bootstrap-icons/package/font/bootstrap-icons.min.css" "$out/bootstrap-icons/"
cp "$work/bootstrap-icons/package/font/fonts/bootstrap-icons.woff2" "$work/bootstrap-icons/package/font/fonts/bootstrap-icons.woff" "$out/bootstrap-icons/fonts/"
cp "$work/bootstrap-icons/package/LICENSE" "$out/bootstrap-icons/"
cp "$work/htmx.org/package/dist/htmx.min.js" "$out/htmx/"
cp "$work/htmx.org/package/LICENSE" "$out/htmx/"
# Searchable pickers (core/widgets.py, static/js/pickers.js): the "complete" build includes its plugins.
ts="$work/tom-select/package"
cp "$ts/dist/js/tom-select.complete.min.js" "$ts/dist/js/tom-select.complete.min.js.map" "$out/tom-select/"
cp "$ts/dist/css/tom-select.bootstrap5.min.css" "$ts/dist/css/tom-select.bootstrap5.min.css.map" "$out/tom-select/"
cp "$ts/LICENSE" "$out/tom-select/"
# Charts (static/js/radar.js): the full minified build; its Apache-2.0 licence asks for the NOTICE alongside.
cp "$work/echarts/package/dist/echarts.min.js" "$work/echarts/package/LICENSE" "$out/echarts/"
if [[ -f "$work/echarts/package/NOTICE" ]]; then cp "$work/echarts/package/NOTICE" "$out/echarts/"; fi

printf '%s\n' "# Vendored by scripts/vendor.sh (make vendor) from the npm registry." "${PACKAGES[@]}" > "$out/VERSIONS.txt"
echo "vendored into $out:"; cat "$out/VERSIONS.txt"

fetch "$FONT_PACKAGE"
mkdir -p core/fonts
font=$work/${FONT_PACKAGE%@*}/package
"$PYTHON" scripts/subset_font.py "$font/400Regular/NotoSansSC_400Regular.ttf" core/fonts/NotoSansSC-Regular.ttf
cp "$font/LICENSE_FONT" core/fonts/OFL.txt
printf '%s\n' "# Vendored by scripts/vendor.sh (make vendor) from the npm registry, subset by scripts/subset_font.py." \
  "$FONT_PACKAGE 400Regular/NotoSansSC_400Regular.ttf" > core/fonts/VERSIONS.txt
echo "vendored into core/fonts:"; ls -l core/fonts
