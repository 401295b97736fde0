#!/usr/bin/env bash
# Starts or stops three Cairn shards and nutcracker in front of them, on loopback.
#
#   examples/twemproxy/cairn-shards.sh start [data-root]   # default data-root: ./cairn-shards
#   examples/twemproxy/cairn-shards.sh stop  [data-root]
#   examples/twemproxy/cairn-shards.sh status [data-root]
#
# Each shard has its own data directory and its own durability choice:
#   shard-a  port 7381  appendfsync always    (every acknowledged write is on disk)
#   shard-b  port 7382  appendfsync everysec  (at most about a second lost in a power cut)
#   shard-c  port 7383  appendfsync everysec
# CAIRN (default: cairn-server on PATH, else this tree's release build) and NUTCRACKER
# (default: nutcracker, else /usr/sbin/nutcracker) may point elsewhere.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
action="${1:-}"
root="$(mkdir -p "${2:-./cairn-shards}" && cd "${2:-./cairn-shards}" && pwd)"
cairn="${CAIRN:-$(command -v cairn-server || echo "$here/../../.build/release/cairn-server")}"
nutcracker="${NUTCRACKER:-$(command -v nutcracker || echo /usr/sbin/nutcracker)}"
shards=("shard-a 7381 always" "shard-b 7382 everysec" "shard-c 7383 everysec")

alive() { [[ -f "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

wait_port() {
    for _ in $(seq 1 100); do
        (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
        sleep 0.1
    done
    echo "nothing listens on port $1" >&2
    return 1
}

case "$action" in
start)
    for shard in "${shards[@]}"; do
        read -r name port fsync <<<"$shard"
        mkdir -p "$root/$name"
        if alive "$root/$name/pid"; then echo "$name already running"; continue; fi
        "$cairn" --port "$port" --dir "$root/$name" --appendonly yes --appendfsync "$fsync" \
            --logfile cairn.log >/dev/null 2>&1 &
        echo $! >"$root/$name/pid"
        wait_port "$port"
        echo "$name on 127.0.0.1:$port, appendfsync $fsync, data in $root/$name"
    done
    if ! alive "$root/nutcracker.pid"; then
        "$nutcracker" -c "$here/nutcracker.yml" -o "$root/nutcracker.log" -s 22222 -a 127.0.0.1 &
        echo $! >"$root/nutcracker.pid"
        wait_port 22121
    fi
    echo "nutcracker on 127.0.0.1:22121 (stats on 127.0.0.1:22222)"
    ;;
stop)
    # The proxy first, so no client request is cut halfway; then each shard with SIGTERM,
    # which finishes the append-only file (a last write and fsync) before exiting.
    for pidfile in "$root/nutcracker.pid" "$root"/shard-*/pid; do
        [[ -f "$pidfile" ]] || continue
        pid="$(cat "$pidfile")"
        if kill -0 "$pid" 2>/dev/null; then
            kill -TERM "$pid"
            for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
        fi
        rm -f "$pidfile"
    done
    echo "stopped"
    ;;
status)
    for shard in "${shards[@]}"; do
        read -r name port fsync <<<"$shard"
        if alive "$root/$name/pid"; then
            echo "$name: running, $(redis-cli -p "$port" dbsize 2>/dev/null || echo '?') keys, appendfsync $fsync"
        else
            echo "$name: stopped"
        fi
    done
    alive "$root/nutcracker.pid" && echo "nutcracker: running" || echo "nutcracker: stopped"
    ;;
*)
    echo "usage: $0 start|stop|status [data-root]" >&2
    exit 2
    ;;
esac
