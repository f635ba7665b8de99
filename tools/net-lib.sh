# The emulated network (tools/NetProxy.java) for the benchmarks, sourced by tools/net-capacity and
# tools/bench --net: start the proxy in front of an S3 endpoint, and measure what a profile
# really carries with parallel curls, so a tool's figure can be given as a ratio of it.
#
#   net_start PROFILE TARGET_ENDPOINT DIR   starts the proxy; sets net_pid, net_endpoint,
#                                           net_profile, net_describe, net_conn_mbps and net_link_mbps (0: no cap)
#   net_stop                                stops it (net_start's caller puts it in its trap)
#   net_capacity DIRECT_ENDPOINT BUCKET KEY_ID SECRET DIR
#                                           prints the fidelity table and the capacity line; sets
#                                           net_capacity_down and net_capacity_up (MB/s, best of N)
#
# Settings (environment): NET_SECONDS, about how long one measurement lasts (default 4);
# NET_RUNS, measurements per row, the best kept (default 1); NET_OBJECT_MIB (default 256);
# NET_DIRECT=no leaves out the same curls without the proxy (the host's own limit).

net_pid=""

net_start() {
    local target=$2 dir=$3 line=""
    net_profile=$1
    local tools_dir
    tools_dir=$(dirname "${BASH_SOURCE[0]}")
    mkdir -p "$dir/netproxy"
    # Compiled once rather than run as a source file: the source launcher compiles on every start.
    javac --release 17 -d "$dir/netproxy" "$tools_dir/NetProxy.java"
    # The proxy's line may come after the first look; the file must be there before it.
    : > "$dir/netproxy.out"
    java -XX:+UseSerialGC -Xmx64m -XX:MaxDirectMemorySize=1g -cp "$dir/netproxy" NetProxy --listen 0 \
        --target "${target#http://}" --profile "$net_profile" --stats 1 > "$dir/netproxy.out" 2> "$dir/netproxy.log" &
    net_pid=$!
    for _ in $(seq 1 100); do
        line=$(head -1 "$dir/netproxy.out")
        [ -n "$line" ] && break
        kill -0 "$net_pid" 2> /dev/null || break
        sleep 0.1
    done
    if [ -z "$line" ]; then
        echo "NetProxy did not start; see $dir/netproxy.log" >&2
        cat "$dir/netproxy.log" >&2
        return 1
    fi
    net_endpoint="http://$(sed -n 's/^listening on \([0-9.:]*\) .*/\1/p' <<< "$line")"
    net_describe=$(sed -n 's/^listening on [0-9.:]* (\(.*\))$/\1/p' <<< "$line")
    net_conn_mbps=$(sed -n 's/.* \([0-9.]*\) MB\/s per connection.*/\1/p' <<< "$line")
    net_link_mbps=$(sed -n 's/.*link \([0-9.]*\) MB\/s.*/\1/p' <<< "$line")
    net_conn_mbps=${net_conn_mbps:-0}
    net_link_mbps=${net_link_mbps:-0}
}

net_stop() {
    if [ -n "$net_pid" ]; then
        kill "$net_pid" 2> /dev/null || true
        wait "$net_pid" 2> /dev/null || true
        net_pid=""
    fi
}

# net_expected N: what N connections should reach, min(N × per-connection cap, link), in MB/s;
# 0 when the profile has no cap at all.
net_expected() {
    awk -v n="$1" -v c="$net_conn_mbps" -v l="$net_link_mbps" 'BEGIN {
        e = (c > 0) ? n * c : 0
        if (l > 0 && (e == 0 || l < e)) e = l
        print e }'
}

# net_parallel DIRECTION N EACH ENDPOINT: N curls at once through ENDPOINT, each moving EACH
# bytes (a ranged GET of the object, or a PUT of a file of EACH bytes); prints their MB/s
# together over the data phase: from the first byte of a response (a GET's body; for a PUT, the
# server's "100 Continue", after which the body goes) to the end of the last curl. What each curl spends before (its start, the connection, the
# handshake's and the request's round trips, the server's first byte) is not the link's rate.
net_parallel() {
    local direction=$1 n=$2 each=$3 endpoint=$4 i from pids=() starts=()
    local curl=(curl -sS -f --aws-sigv4 "aws:amz:us-east-1:s3" --user "$net_key_id:$net_secret"
        -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" -o /dev/null
        -w "%{time_starttransfer} %{time_total}\n")
    if [ "$direction" = up ] && [ "$(stat -c %s "$net_dir/net-up" 2> /dev/null || echo 0)" != "$each" ]; then
        head -c "$each" "$net_dir/net-object" > "$net_dir/net-up"
    fi
    for i in $(seq 1 "$n"); do
        starts+=("$EPOCHREALTIME")
        if [ "$direction" = down ]; then
            # Ranges spread over the object, so the server does not read one part sixteen times.
            from=$(( (i - 1) * (net_object_bytes - each) / (n > 1 ? n - 1 : 1) ))
            "${curl[@]}" -r "$from-$((from + each - 1))" "$endpoint/$net_bucket/net-object" > "$net_dir/net-curl.$i" &
        else
            "${curl[@]}" -T "$net_dir/net-up" "$endpoint/$net_bucket/net-up-$i" > "$net_dir/net-curl.$i" &
        fi
        pids+=($!)
    done
    for i in "${pids[@]}"; do
        wait "$i"
    done
    for i in $(seq 1 "$n"); do
        echo "${starts[i - 1]} $(cat "$net_dir/net-curl.$i")"
    done | awk -v b=$((n * each)) '{
            begin = $1 + $2
            end = $1 + $3
            if (NR == 1 || begin < first) first = begin
            if (end > last) last = end }
        END { printf "%.1f\n", b / (last - first) / 1e6 }'
    rm -f "$net_dir"/net-curl.*
}

net_capacity() {
    local direct=$1 n each expected runs=${NET_RUNS:-1} seconds=${NET_SECONDS:-4} direction best mbps host
    net_bucket=$2 net_key_id=$3 net_secret=$4 net_dir=$5
    net_object_bytes=$(( ${NET_OBJECT_MIB:-256} << 20 ))
    head -c "$net_object_bytes" /dev/urandom > "$net_dir/net-object"
    curl -sS -f --aws-sigv4 "aws:amz:us-east-1:s3" --user "$net_key_id:$net_secret" \
        -H "x-amz-content-sha256: UNSIGNED-PAYLOAD" -T "$net_dir/net-object" -o /dev/null \
        "$direct/$net_bucket/net-object"
    net_capacity_down=0
    net_capacity_up=0
    echo "$net_describe; N curls at once, each ${seconds} s at its share (at most ${NET_OBJECT_MIB:-256} MiB), best of $runs"
    for direction in down up; do
        echo
        if [ "${NET_DIRECT:-yes}" = yes ]; then
            echo "| $direction, N | expected MB/s | without the proxy | through the proxy | × expected | × min(expected, without) |"
            echo "|---|---|---|---|---|---|"
        else
            echo "| $direction, N | expected MB/s | through the proxy | × expected |"
            echo "|---|---|---|---|"
        fi
        for n in 1 2 4 8 12 16; do
            expected=$(net_expected "$n")
            # Each curl moves about NET_SECONDS' worth at its share of the expected rate, so all
            # end together and the start of each (a connection, a round trip) is a small part of it.
            each=$(awk -v e="$expected" -v n="$n" -v s="$seconds" -v max="$net_object_bytes" 'BEGIN {
                b = (e > 0) ? e / n * 1e6 * s : max
                b = int(b / 1048576) * 1048576
                if (b > max) b = max
                if (b < 1048576) b = 1048576
                print b }')
            best=0
            for _ in $(seq 1 "$runs"); do
                mbps=$(net_parallel "$direction" "$n" "$each" "$net_endpoint")
                best=$(awk -v a="$best" -v b="$mbps" 'BEGIN { print (b > a) ? b : a }')
            done
            if [ "$direction" = down ]; then
                net_capacity_down=$(awk -v a="$net_capacity_down" -v b="$best" 'BEGIN { print (b > a) ? b : a }')
            else
                net_capacity_up=$(awk -v a="$net_capacity_up" -v b="$best" 'BEGIN { print (b > a) ? b : a }')
            fi
            if [ "${NET_DIRECT:-yes}" = yes ]; then
                # The same curls straight to the server: what this host carries at all, which no
                # profile can beat (the server and the curls share its cores with the proxy).
                host=$(net_parallel "$direction" "$n" "$each" "$direct")
                awk -v n="$n" -v e="$expected" -v h="$host" -v m="$best" 'BEGIN {
                    l = (e > 0 && e < h) ? e : h
                    printf "| %d | %s | %.0f | %.0f | %s | %.2f |\n", n, (e > 0) ? sprintf("%.0f", e) : "no cap", h, m,
                        (e > 0) ? sprintf("%.2f", m / e) : "", m / l }'
            else
                awk -v n="$n" -v e="$expected" -v m="$best" 'BEGIN {
                    printf "| %d | %s | %.0f | %s |\n", n, (e > 0) ? sprintf("%.0f", e) : "no cap", m,
                        (e > 0) ? sprintf("%.2f", m / e) : "" }'
            fi
        done
    done
    rm -f "$net_dir/net-up"
    echo
    echo "capacity of $net_profile: $(printf %.0f "$net_capacity_down") MB/s down, $(printf %.0f "$net_capacity_up") MB/s up"
}
