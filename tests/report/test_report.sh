#!/bin/bash
# SPDX-License-Identifier: BSD-2-Clause
# SPDX-FileCopyrightText: imz authors
#
# Opens the page `imz report` writes in headless Chromium and checks that it renders: the
# rate-distortion plot has its points, the tables, the speed chart and the comparison view are
# filled (DOM after the page's script ran, via --dump-dom), and a screenshot is not blank.
# A tiny benchmark (one crop, two imz codecs) feeds it. Exit 77 (skipped) without Chromium.
# Usage: test_report.sh IMZ_BINARY SOURCE_DIR
IMZ=$1
SRC=$2
browser=""
for b in chromium chromium-browser google-chrome; do
    command -v "$b" >/dev/null 2>&1 && browser=$(command -v "$b") && break
done
if [ -z "$browser" ]; then
    echo "SKIP: Chromium is not installed (apt-get install chromium); the report is not rendered"
    exit 77
fi
T=$(mktemp -d "${TMPDIR:-/tmp}/imz-report.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
pass=0
fail=0
check() {
    desc=$1
    shift
    if "$@"; then
        pass=$((pass + 1))
        echo "ok   $desc"
    else
        fail=$((fail + 1))
        echo "FAIL $desc"
    fi
}

"$IMZ" bench --quiet --repeat 1 --codecs raw,requant --settings requant:bits=2,3,4,5 \
    --out "$T/res" "$SRC/tests/data/kodim23_crop.png" >"$T/bench.txt" 2>&1
check "bench ran" test $? -eq 0
"$IMZ" report --quiet --out "$T/report.html" "$T/res"
check "report written" test -s "$T/report.html"

chrome() {
    timeout 120 "$browser" --headless --no-sandbox --disable-gpu --disable-background-networking \
        --disable-component-update --disable-sync --no-first-run --user-data-dir="$T/profile" \
        --window-size=1400,1000 "$@" "file://$T/report.html" 2>"$T/chrome.err"
}
chrome --dump-dom >"$T/dom.html"
count() { grep -o "$1" "$T/dom.html" | wc -l; }
check "the page's script finished" grep -q 'data-rendered="yes"' "$T/dom.html"
check "RD plot has 4 points" test "$(count 'class="pt"')" -ge 4
check "RD plot has axes and a legend" grep -q 'class="legend"' "$T/dom.html"
check "BD-rate table" grep -q 'id="bd-rate"' "$T/dom.html"
check "lossless table lists imz-raw" grep -q 'id="lossless-rows".*imz-raw' "$T/dom.html"
check "speed chart has bars" test "$(count 'class="bar"')" -ge 2
check "comparison view shows original and decoded crops" test "$(count 'class="crop"')" -ge 2
check "crops are inline data" grep -q 'src="data:image/png;base64,' "$T/dom.html"

chrome --screenshot="$T/shot.png" >/dev/null
check "screenshot taken" test -s "$T/shot.png"
if /usr/bin/python3 -c 'import PIL' 2>/dev/null; then
    check "screenshot is not blank" /usr/bin/python3 - "$T/shot.png" <<'PYEOF'
import sys
from PIL import Image
im = Image.open(sys.argv[1]).convert('RGB').resize((350, 250))
colours = len(set(im.getdata()))
print('distinct colours:', colours)
sys.exit(0 if colours > 40 else 1)
PYEOF
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
