#!/usr/bin/env bash
# Takes the pictures of the README and the book from the real thing, not drawn by hand:
#   docs/images/report.png   the report that `firedrill demo` writes (report.md), rendered by mdBook
#   docs/images/history.png  the demo ledger's history page (index.html on the ledger branch)
# Both are screenshotted in headless Chromium.
#
# Usage: scripts/screenshots.sh            (builds the release binary, or set FIREDRILL=path/to/firedrill)
# Needs: chromium (apt-get install chromium), mdbook (.ci/run installs it), git.
# The report is Markdown, which GitHub renders on the drill's pull request. Here mdBook renders it: tables and
# text as on GitHub, and the Mermaid timeline shown as its source.
set -euo pipefail
cd "$(dirname "$0")/.."

firedrill=${FIREDRILL:-}
if [ -z "$firedrill" ]; then
  cargo build --release --locked --bin firedrill
  firedrill=target/release/firedrill
fi
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome || true)
if [ -z "$browser" ]; then
  echo "screenshots.sh: chromium is not installed (apt-get install -y chromium)" >&2
  exit 1
fi
if ! command -v mdbook >/dev/null 2>&1; then
  echo "screenshots.sh: mdbook is not installed (cargo install mdbook --locked --version 0.5.4)" >&2
  exit 1
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
out=docs/images
mkdir -p "$out"

# shot HTML PNG WIDTH HEIGHT: one screenshot in a fresh profile, with nothing fetched from the network.
shot() {
  local profile
  profile=$(mktemp -d "$work/profile.XXXXXX")
  "$browser" --headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --hide-scrollbars --user-data-dir="$profile" \
    --screenshot="$2" --window-size="$3,$4" "file://$1" >/dev/null 2>&1
  test -s "$2"
  echo "wrote $2 ($3×$4)"
}

# The real demo: a whole drill on local repositories, simulated time.
"$firedrill" demo --out "$work/demo" >"$work/demo.log"
grep -q 'Time to recovery' "$work/demo.log"

# The history page, as the ledger branch holds it.
mkdir -p "$work/history"
git --git-dir "$work/demo/control.git" show firedrill/ledger:index.html >"$work/history/index.html"
shot "$work/history/index.html" "$out/history.png" 1280 1000

# The report, rendered by mdBook as a one-page book. Below 1080 px mdBook starts with its sidebar folded.
mkdir -p "$work/report/src"
cp "$work/demo/report.md" "$work/report/src/report.md"
printf '# Summary\n\n[Report](report.md)\n' >"$work/report/src/SUMMARY.md"
printf '[book]\ntitle = "firedrill report"\n\n[output.html]\nno-section-label = true\n' >"$work/report/book.toml"
mdbook build "$work/report" >/dev/null 2>&1
shot "$work/report/book/report.html" "$out/report.png" 1000 1250
