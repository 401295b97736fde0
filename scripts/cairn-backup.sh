#!/usr/bin/env bash
# Copies a running Cairn server's append-only file into DEST, as a data directory that
# Cairn — or Redis 7.0, which reads the same files — can start from (`--dir DEST`).
#
#   scripts/cairn-backup.sh [-h host] [-p port] [-a password] [--no-rewrite] DEST
#
# Run it on the server's machine (it reads the files where CONFIG GET dir says they are).
# What it does, and why each step is safe while clients write:
#  1. BGREWRITEAOF, then waits for it: the copy is then one base file plus a short
#     increment (skip with --no-rewrite).
#  2. Copies the manifest, then every file it names, then checks the manifest did not
#     change meanwhile (a rewrite finishing mid-copy deletes the files it replaced); if it
#     did, starts over. Base files never change once named; the increment only grows, so
#     the copy holds every write acknowledged before the copy of it began and may end in a
#     write cut halfway.
#  3. Cuts such a torn tail with cairn-check-aof --fix (CAIRN_CHECK_AOF, else on PATH, else
#     this tree's build), fsyncs the copy and its directory, and only then moves it into
#     place as DEST/<appenddirname>. A failed or interrupted backup leaves no DEST.
set -euo pipefail

host=127.0.0.1 port=7379 password="" rewrite=yes dest=""
while [[ $# -gt 0 ]]; do
    case "$1" in
        -h) host="$2"; shift 2 ;;
        -p) port="$2"; shift 2 ;;
        -a) password="$2"; shift 2 ;;
        --no-rewrite) rewrite=no; shift ;;
        -*) echo "unknown option $1" >&2; exit 2 ;;
        *) dest="$1"; shift ;;
    esac
done
[[ -n "$dest" ]] || { echo "usage: $0 [-h host] [-p port] [-a password] [--no-rewrite] DEST" >&2; exit 2; }
[[ ! -e "$dest" ]] || { echo "$dest exists; give a new directory" >&2; exit 2; }

cli() {
    if [[ -n "$password" ]]; then REDISCLI_AUTH="$password" redis-cli -h "$host" -p "$port" "$@"
    else redis-cli -h "$host" -p "$port" "$@"; fi
}
setting() { cli CONFIG GET "$1" | sed -n 2p; }
info_field() { cli INFO persistence | tr -d '\r' | sed -n "s/^$1://p"; }

[[ "$(setting appendonly)" == "yes" ]] || { echo "the server's append-only file is off: nothing to copy" >&2; exit 1; }
source_dir="$(setting dir)/$(setting appenddirname)"
manifest_name="$(setting appendfilename).manifest"
subdir="$(setting appenddirname)"
check_aof="${CAIRN_CHECK_AOF:-$(command -v cairn-check-aof || echo "$(dirname "$0")/../.build/release/cairn-check-aof")}"

if [[ "$rewrite" == yes ]]; then
    cli BGREWRITEAOF >/dev/null || true                 # "already in progress" is fine too
    for _ in $(seq 1 6000); do
        [[ "$(info_field aof_rewrite_in_progress)" == "0" ]] && break
        sleep 0.1
    done
    [[ "$(info_field aof_last_bgrewrite_status)" == "ok" ]] || { echo "the rewrite failed; see the server log" >&2; exit 1; }
fi

staging="$(mktemp -d "$(dirname "$dest")/.cairn-backup.XXXXXX")"
trap 'rm -rf "$staging"' EXIT
copied=no
for attempt in 1 2 3 4 5; do
    rm -rf "$staging/$subdir" && mkdir -p "$staging/$subdir"
    cp "$source_dir/$manifest_name" "$staging/$subdir/$manifest_name"
    ok=yes
    while read -r name; do
        cp "$source_dir/$name" "$staging/$subdir/$name" 2>/dev/null || { ok=no; break; }
    done < <(awk '{ for (i = 1; i < NF; i++) if ($i == "file") print $(i + 1) }' "$staging/$subdir/$manifest_name")
    if [[ "$ok" == yes ]] && cmp -s "$source_dir/$manifest_name" "$staging/$subdir/$manifest_name"; then
        copied=yes
        break
    fi
    echo "a rewrite changed the files during copy $attempt; copying again" >&2
    sleep 1
done
[[ "$copied" == yes ]] || { echo "the files kept changing; try again (or with --no-rewrite)" >&2; exit 1; }

if [[ -x "$check_aof" ]]; then
    "$check_aof" "$staging/$subdir/$manifest_name" --fix --yes >/dev/null \
        || { echo "the copy does not check out: $check_aof $staging/$subdir/$manifest_name" >&2; exit 1; }
else
    echo "cairn-check-aof not found: the copy is not checked (a torn tail is cut when it is loaded)" >&2
fi
sync "$staging/$subdir"/* "$staging/$subdir"
mkdir -p "$dest"
mv "$staging/$subdir" "$dest/$subdir"
sync "$dest"
files=$(ls "$dest/$subdir" | wc -l)
bytes=$(du -sb "$dest/$subdir" | cut -f1)
echo "backup complete: $files files, $bytes bytes in $dest/$subdir"
