#!/usr/bin/env bash
# Build-cost report for digilocker-authpartner.
#
# Usage (from the repository root):
#   scripts/build-report.sh            # (a) (b) (c) below, ~3-6 min on 2 cores
#   scripts/build-report.sh --matrix   # also clean builds of the feature matrix
#
# Everything is built in a separate target dir (default target/build-report,
# override with BUILD_REPORT_TARGET_DIR; BUILD_REPORT_FEATURES adds features,
# e.g. BUILD_REPORT_FEATURES=xmldsig) so the figures are for clean builds
# and the shared target/ is left alone. Dependencies are fetched first, so no
# download time is counted. Needs cargo, python3 and GNU date/touch.
#
# (a) clean debug build wall time of the library with default features:
#       cargo build -p digilocker-authpartner --lib --timings
# (b) time spent in crates only the build script needs: the packages in
#       cargo tree -p digilocker-authpartner -e normal,build
#     minus those left when the build-dependency is pruned
#       cargo tree ... -e normal,build --prune digilocker-authpartner-codegen
#     (so the build scripts of ordinary dependencies, e.g. aws-lc-sys's cc,
#     are not counted), plus this crate's own build-script units; their unit
#     durations are summed from the UNIT_DATA array of cargo's timings HTML.
#     The share is that sum over the sum of all units' durations (unit time,
#     which is what the build costs in CPU when units run in parallel); goal
#     <= 40%. The critical-path view is printed too: when the generated code
#     is ready (end of the build script run) against the clean wall time.
# (c) whether touching src/lib.rs reruns build.rs (looks for
#       Running `.../build-script-build`
#     in `cargo build -v`), and the incremental rebuild time. src/lib.rs's
#     mtime is restored afterwards; its content is never changed.
# --matrix: clean builds (each in its own target dir) of
#     default features, --no-default-features, and
#     --no-default-features --features native-tls.
set -euo pipefail

cd "$(dirname "$0")/.."
PKG=digilocker-authpartner
CODEGEN=digilocker-authpartner-codegen
TD=${BUILD_REPORT_TARGET_DIR:-target/build-report}
FEATURES=()
[[ -n "${BUILD_REPORT_FEATURES:-}" ]] && FEATURES=(--features "$BUILD_REPORT_FEATURES")
MATRIX=0
[[ "${1:-}" == "--matrix" ]] && MATRIX=1

now() { date +%s.%N; }
secs() { python3 -c "import sys; print(f'{float(sys.argv[2]) - float(sys.argv[1]):.1f}')" "$1" "$2"; }

packages() { # cargo tree output -> "name version" lines
    sed -E 's/ \(proc-macro\)//; s/ \(\*\)//; s/ \(\/[^)]*\)//; s/^([^ ]+) v/\1 /' | sort -u
}

echo "== build report${BUILD_REPORT_FEATURES:+ (features: $BUILD_REPORT_FEATURES)}: $(rustc --version), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')" >&2
cargo fetch -q

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# (a) clean build with --timings
rm -rf "$TD"
t0=$(now)
cargo build -q -p "$PKG" --lib "${FEATURES[@]}" --timings --target-dir "$TD" 2>"$work/build.log" || {
    cat "$work/build.log" >&2
    exit 1
}
t1=$(now)
clean=$(secs "$t0" "$t1")
html=$(ls -t "$TD"/cargo-timings/cargo-timing-*.html | head -1)

# (b) the build-script-only package set
cargo tree -q -p "$PKG" "${FEATURES[@]}" -e normal,build --prefix none -f '{p}' | packages >"$work/all"
cargo tree -q -p "$PKG" "${FEATURES[@]}" -e normal,build --prune "$CODEGEN" --prefix none -f '{p}' | packages >"$work/lib"
comm -23 "$work/all" "$work/lib" >"$work/build-only"

# (c) incremental: touch src/lib.rs, rebuild verbosely
# Put the mtime back only if nobody edited the file meanwhile (a shared tree).
restore() { cmp -s "$work/lib.reference" src/lib.rs && touch -r "$work/lib.reference" src/lib.rs || true; }
cp -p src/lib.rs "$work/lib.reference"
touch src/lib.rs
t2=$(now)
cargo build -v -p "$PKG" --lib "${FEATURES[@]}" --target-dir "$TD" >"$work/incr.log" 2>&1 || {
    restore
    cat "$work/incr.log" >&2
    exit 1
}
t3=$(now)
restore
incr=$(secs "$t2" "$t3")
if grep -q 'Running `[^`]*build-script-build`' "$work/incr.log"; then reran=yes; else reran=no; fi

python3 - "$html" "$work/build-only" "$clean" "$incr" "$reran" "$PKG" <<'EOF'
import json, re, sys

html, build_only_file, clean, incr, reran, pkg = sys.argv[1:]
text = open(html, encoding="utf-8").read()
m = re.search(r"const UNIT_DATA = (\[.*?\]);\s*\n", text, re.S)
if not m:
    sys.exit("UNIT_DATA not found in " + html)
units = json.loads(m.group(1))
build_only = {tuple(l.split()) for l in open(build_only_file) if l.strip()}

def is_build_only(u):
    if (u["name"], u["version"]) in build_only:
        return True
    # This crate's build script: its compilation and its run.
    return u["name"] == pkg and ("build-script" in u.get("target", "") or u.get("mode") == "run-custom-build")

total = sum(u["duration"] for u in units)
mine = [u for u in units if is_build_only(u)]
bo = sum(u["duration"] for u in mine)
share = 100 * bo / total if total else 0.0
run = [u for u in units if u["name"] == pkg and u.get("mode") == "run-custom-build"]
gen_ready = max((u["start"] + u["duration"] for u in run), default=0.0)
lib = [u for u in units if u["name"] == pkg and u.get("mode") not in ("run-custom-build",) and "build-script" not in u.get("target", "")]

print()
print(f"{'figure':<58} {'value':>12}  goal")
print(f"{'(a) clean debug build, lib (wall)':<58} {float(clean):>10.1f} s")
print(f"{'    sum of all unit durations':<58} {total:>10.1f} s")
print(f"{'(b) build-script-only crates + build.rs (unit time)':<58} {bo:>10.1f} s")
print(f"{'    share of all unit time':<58} {share:>10.1f} %  <= 40%: {'met' if share <= 40 else 'NOT met'}")
print(f"{'    generated code ready (build.rs run ends) at':<58} {gen_ready:>10.1f} s  of {float(clean):.1f} s wall")
if lib:
    print(f"{'    this crate (lib) itself':<58} {sum(u['duration'] for u in lib):>10.1f} s")
print(f"{'(c) touching src/lib.rs reruns build.rs':<58} {reran:>12}  no")
print(f"{'    incremental rebuild after touching src/lib.rs':<58} {float(incr):>10.1f} s")
print()
print(f"build-script-only units ({len(mine)}), by duration:")
for u in sorted(mine, key=lambda u: -u["duration"])[:20]:
    label = u["name"] + " " + u["version"] + u.get("target", "")
    print(f"  {u['duration']:7.1f} s  {label}")
if len(mine) > 20:
    print(f"  ... {len(mine) - 20} more, {sum(u['duration'] for u in sorted(mine, key=lambda u: -u['duration'])[20:]):.1f} s")
print()
print("slowest units overall:")
for u in sorted(units, key=lambda u: -u["duration"])[:10]:
    tag = "build-only" if is_build_only(u) else ""
    print(f"  {u['duration']:7.1f} s  {u['name']} {u['version']}{u.get('target', '')}  {tag}")
EOF

echo
echo "duplicate majors in the build graph (cargo tree -d -e normal,build):"
cargo tree -q -p "$PKG" -d -e normal,build --depth 0 | grep -E '^[a-z]' | sort -u | sed 's/^/  /'

if [[ $MATRIX == 1 ]]; then
    echo
    printf '%-58s %12s\n' "feature set (clean debug build of the lib, wall)" "time"
    for flags in "" "--no-default-features" "--no-default-features --features native-tls" \
        "--no-default-features --features rustls"; do
        dir="$TD-matrix"
        rm -rf "$dir"
        s=$(now)
        # shellcheck disable=SC2086 # flags are words
        if cargo build -q -p "$PKG" --lib --target-dir "$dir" $flags 2>"$work/m.log"; then
            e=$(now)
            printf '%-58s %10s s\n' "${flags:-default (rustls, tracing)}" "$(secs "$s" "$e")"
        else
            printf '%-58s %12s\n' "${flags:-default}" "FAILED"
            tail -5 "$work/m.log" | sed 's/^/    /'
        fi
    done
    rm -rf "$TD-matrix"
fi
