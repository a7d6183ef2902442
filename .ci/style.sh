#!/bin/bash
# Style gate: whitespace, and the layering rules the code relies on.
set -uo pipefail
cd "$(dirname "$0")/.."
fail=0
files=$(git ls-files '*.c' '*.h' '*.sh' '*.py' 'CMakeLists.txt' '*.cmake' 'Makefile' '*.md')
if grep -nP '\t' $(git ls-files '*.c' '*.h') /dev/null; then echo "style: tabs in C sources"; fail=1; fi
if grep -nP '[ \t]+$' $files /dev/null; then echo "style: trailing whitespace"; fail=1; fi
for f in $files; do
    [ -s "$f" ] && [ "$(tail -c1 "$f" | od -An -c | tr -d ' ')" != '\n' ] && { echo "style: $f: no newline at end"; fail=1; }
done
# The library neither prints nor exits, allocates only through src/common/context.c, and never
# links the image-file libraries.
if grep -nE '\b(printf|puts|exit|abort)\s*\(' $(git ls-files 'src/*.c' 'src/*.h') | grep -v '^\S*:\s*//' | grep -vE 'snprintf|vsnprintf'; then
    echo "style: printing or exiting in src/"; fail=1
fi
if grep -nE '\b(malloc|calloc|realloc|free)\s*\(' $(git ls-files 'src/*.c' 'src/*.h') | grep -v '^src/common/context.c:'; then
    echo "style: raw allocation outside src/common/context.c"; fail=1
fi
if grep -nE '#include\s*[<"](png|jpeglib|webp/[a-z]+)\.h' $(git ls-files 'src/*' 'include/*'); then
    echo "style: image-file library used in the library core"; fail=1
fi
[ $fail = 0 ] && echo "style: ok"
exit $fail
